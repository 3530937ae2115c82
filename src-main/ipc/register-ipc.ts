import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { invokeChannels } from '../../src-preload/contract';
import type { Dispatch, SenderInfo } from './dispatcher';

function senderOf(event: IpcMainInvokeEvent): SenderInfo {
  const frame = event.senderFrame;
  // A frame that navigated away or was destroyed has no trustworthy URL: treat it as foreign.
  if (!frame) return { url: '', isMainFrame: false };
  return { url: frame.url, isMainFrame: frame === event.sender.mainFrame };
}

/** Electron glue: every contract channel goes to the one dispatcher. Nothing else is registered. */
export function registerIpc(ipcMain: IpcMain, dispatch: Dispatch): () => void {
  for (const channel of invokeChannels) {
    ipcMain.handle(channel, (event, payload: unknown) => dispatch(channel, payload, senderOf(event)));
  }
  return () => {
    for (const channel of invokeChannels) ipcMain.removeHandler(channel);
  };
}
