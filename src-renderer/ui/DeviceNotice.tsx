import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AudioRouting, AudioRoutingSnapshot } from '../phone/audio-devices';

// The one AudioRouting of the page (made in main.tsx), for the components that need it: the
// ringer and call audio in PhonePanel, this notice, デバイス設定. A context rather than props so
// that the phone screen's own props (and their owners) need not change.
const AudioRoutingContext = createContext<AudioRouting | null>(null);

export function AudioRoutingProvider({ routing, children }: { routing: AudioRouting; children: ReactNode }) {
  return <AudioRoutingContext value={routing}>{children}</AudioRoutingContext>;
}

export function useAudioRouting(): AudioRouting | null {
  return useContext(AudioRoutingContext);
}

const noSubscribe = () => () => undefined;
const noSnapshot = () => null;

/** The routing's current state (devices, effective ids, notices); null without a routing. */
export function useAudioRoutingSnapshot(): AudioRoutingSnapshot | null {
  const routing = useAudioRouting();
  return useSyncExternalStore(routing?.subscribe ?? noSubscribe, routing?.getSnapshot ?? noSnapshot);
}

/**
 * 「選択したマイク（…）が見つからないため、既定のデバイスを使用しています」 while a chosen device
 * is missing, and a short 「…が戻りました」 once it is back. Nothing when all is as chosen.
 */
export function DeviceNotice({ testId = 'device-notice' }: { testId?: string }) {
  const { t } = useTranslation();
  const snapshot = useAudioRoutingSnapshot();
  const notices = snapshot?.notices ?? [];
  if (notices.length === 0) return null;
  return (
    <div className="device-notice" role="status" data-testid={testId}>
      {notices.map((notice) => (
        <p key={notice.role} className={`device-notice-${notice.state}`} data-role={notice.role} data-state={notice.state}>
          {/* Device labels come from the OS (USB descriptors): rendered as text only. */}
          {t(`audio.${notice.state}.${notice.role}`, { label: notice.label || t('audio.unnamed') })}
        </p>
      ))}
    </div>
  );
}
