// The preload: runs sandboxed, with context isolation, before the page. Its only job is to put
// the contract-derived API on `window.tsunagu`. Raw ipcRenderer never reaches the page: with it,
// injected script could invoke any channel or listen to any event.
import { contextBridge, ipcRenderer } from 'electron';
import { createTsunaguApi, type BridgeTransport } from './api';

const ipcTransport: BridgeTransport = {
  invoke: (channel, payload) => ipcRenderer.invoke(channel, payload),
  on: (channel, listener) => {
    // Wrap so the page's callback never sees the IpcRendererEvent (it exposes `sender`).
    const handler = (_event: Electron.IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => {
      ipcRenderer.removeListener(channel, handler);
    };
  },
};

contextBridge.exposeInMainWorld('tsunagu', createTsunaguApi(ipcTransport));
