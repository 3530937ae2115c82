import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AudioDeviceChoice, AudioSettings as AudioSettingsValue, SettingsView } from '../../../src-preload/contract';
import type { TsunaguApi } from '../../../src-preload/api';
import type { AudioDevice, AudioRole } from '../../phone/audio-devices';
import { DeviceNotice, useAudioRouting, useAudioRoutingSnapshot } from '../DeviceNotice';
import { RINGTONE_IDS, Ringer, type Ringtone } from '../ringer';

/** How long the volume slider must rest before the value is saved (a drag is many changes). */
const VOLUME_SAVE_DELAY_MS = 300;
/** Level meter: how often it is read, and how fast the bar falls back (points per reading). */
const METER_INTERVAL_MS = 50;
const METER_FALL = 4;

/** Peak of one analyser window as 0–100 on a −60…0 dBFS scale (how a meter reads speech). */
function levelOf(samples: Float32Array): number {
  let peak = 0;
  for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
  if (peak <= 0) return 0;
  const db = 20 * Math.log10(peak);
  return Math.round(Math.min(100, Math.max(0, ((db + 60) / 60) * 100)));
}

/**
 * 入力レベル: the microphone `deviceId` ('' = default) through an AnalyserNode while the section
 * is shown; the microphone is released when it unmounts or the device changes. This is also
 * where the page first asks for the microphone, which is what lets Chromium show device names.
 */
function useMicrophoneLevel(deviceId: string, onGranted: () => void): { level: number; failed: boolean } {
  const [level, setLevel] = useState(0);
  const [failed, setFailed] = useState(false);
  const onGrantedRef = useRef(onGranted);
  useEffect(() => {
    onGrantedRef.current = onGranted;
  });
  useEffect(() => {
    let live = true;
    let stream: MediaStream | null = null;
    let context: AudioContext | null = null;
    let timer: number | undefined;
    const devices = navigator.mediaDevices as MediaDevices | undefined;
    if (!devices) {
      // No media devices at all (an insecure context): nothing to measure.
      queueMicrotask(() => {
        if (live) setFailed(true);
      });
      return () => {
        live = false;
      };
    }
    void devices
      .getUserMedia({ audio: deviceId ? { deviceId: { exact: deviceId } } : true, video: false })
      .then((granted) => {
        if (!live) {
          for (const track of granted.getTracks()) track.stop();
          return;
        }
        stream = granted;
        setFailed(false);
        onGrantedRef.current();
        context = new AudioContext();
        const analyser = context.createAnalyser();
        analyser.fftSize = 2048;
        context.createMediaStreamSource(granted).connect(analyser);
        const samples = new Float32Array(analyser.fftSize);
        let shown = 0;
        timer = window.setInterval(() => {
          analyser.getFloatTimeDomainData(samples);
          const next = Math.max(levelOf(samples), shown - METER_FALL);
          if (next !== shown) {
            shown = next;
            setLevel(next);
          }
        }, METER_INTERVAL_MS);
      })
      .catch(() => {
        if (live) setFailed(true);
      });
    return () => {
      live = false;
      window.clearInterval(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
      void context?.close().catch(() => undefined);
      setLevel(0);
    };
  }, [deviceId]);
  return { level, failed };
}

function DeviceSelect(props: {
  role: AudioRole;
  choice: AudioDeviceChoice;
  devices: readonly AudioDevice[];
  missing: boolean;
  onChange: (choice: AudioDeviceChoice) => void;
}) {
  const { t } = useTranslation();
  const { role, choice, devices } = props;
  // A chosen device that is not listed (unplugged, or names not readable yet) stays selected.
  const listed = choice.id === '' || devices.some((device) => device.id === choice.id);
  return (
    <label className="field">
      <span>{t(`audio.${role}`)}</span>
      <select
        data-testid={`audio-${role}`}
        value={choice.id}
        aria-invalid={props.missing ? true : undefined}
        onChange={(e) => {
          const id = e.target.value;
          props.onChange({ id, label: devices.find((device) => device.id === id)?.label ?? '' });
        }}
      >
        <option value="">{t('audio.default')}</option>
        {devices.map((device, index) => (
          <option key={device.id} value={device.id}>
            {device.label || t('audio.deviceN', { n: index + 1 })}
          </option>
        ))}
        {!listed && (
          <option value={choice.id}>
            {(choice.label || t('audio.unnamed')) + (props.missing ? t('audio.notConnected') : '')}
          </option>
        )}
      </select>
    </label>
  );
}

/** デバイス設定: microphone, speaker and ringer device, ringtone and volume, with a test sound
 *  and a live input level. Every change is saved at once through the bridge. */
export function AudioSettings(props: { bridge: TsunaguApi; settings: SettingsView; onSaved: (view: SettingsView) => void }) {
  const { bridge } = props;
  const { t } = useTranslation();
  const routing = useAudioRouting();
  const snapshot = useAudioRoutingSnapshot();
  const [audio, setAudio] = useState<AudioSettingsValue>(props.settings.audio);
  const [status, setStatus] = useState<'saved' | 'failed' | null>(null);
  const [testing, setTesting] = useState(false);
  const volumeTimer = useRef<number | undefined>(undefined);
  const ringerRef = useRef<Ringer | null>(null);

  const missing = new Set(snapshot?.notices.filter((notice) => notice.state === 'missing').map((notice) => notice.role));
  const effective = snapshot?.effective ?? { microphone: audio.microphone.id, speaker: audio.speaker.id, ringer: audio.ringer.id };
  const { level, failed: micFailed } = useMicrophoneLevel(effective.microphone, () => {
    // Names were hidden for want of permission: now that the microphone is granted, list again.
    if (routing && !routing.getSnapshot().labelled) void routing.refresh();
  });

  useEffect(
    () => () => {
      window.clearTimeout(volumeTimer.current);
      ringerRef.current?.dispose();
    },
    [],
  );

  const save = async (next: AudioSettingsValue) => {
    const result = await bridge.settings.setAudio(next);
    if (!result.ok) {
      setStatus('failed');
      return;
    }
    setStatus('saved');
    // Live at once (calls switch device now); main's settings-changed event says the same.
    routing?.setSettings(result.value.audio);
    props.onSaved(result.value);
  };

  const change = (next: AudioSettingsValue, { debounce = false } = {}) => {
    setAudio(next);
    setStatus(null);
    window.clearTimeout(volumeTimer.current);
    if (debounce) volumeTimer.current = window.setTimeout(() => void save(next), VOLUME_SAVE_DELAY_MS);
    else void save(next);
  };

  const test = async () => {
    ringerRef.current ??= new Ringer();
    ringerRef.current.configure({ ringtone: audio.ringtone, volume: audio.ringVolume, sinkId: effective.ringer });
    setTesting(true);
    try {
      await ringerRef.current.playOnce();
    } finally {
      setTesting(false);
    }
  };

  const select = (role: AudioRole, devices: readonly AudioDevice[]) => (
    <DeviceSelect role={role} choice={audio[role]} devices={devices} missing={missing.has(role)} onChange={(choice) => change({ ...audio, [role]: choice })} />
  );

  return (
    <section className="audio-settings" data-testid="audio-settings">
      <h2>{t('audio.title')}</h2>
      <DeviceNotice testId="audio-notice" />
      {select('microphone', snapshot?.microphones ?? [])}
      <div className="field">
        <span id="audio-level-label">{t('audio.level')}</span>
        <div className="audio-level" role="meter" aria-labelledby="audio-level-label" aria-valuemin={0} aria-valuemax={100} aria-valuenow={level} data-testid="audio-level" data-level={level}>
          <div className="audio-level-bar" style={{ width: `${level}%` }} />
        </div>
        {micFailed && <span className="field-error" data-testid="audio-level-error">{t('audio.micUnavailable')}</span>}
      </div>
      {select('speaker', snapshot?.outputs ?? [])}
      {select('ringer', snapshot?.outputs ?? [])}
      <label className="field">
        <span>{t('audio.ringtone')}</span>
        <select data-testid="audio-ringtone" value={audio.ringtone} onChange={(e) => change({ ...audio, ringtone: e.target.value as Ringtone })}>
          {RINGTONE_IDS.map((id) => (
            <option key={id} value={id}>
              {t(`audio.ringtones.${id}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>
          {t('audio.ringVolume')} <output data-testid="audio-volume-value">{audio.ringVolume}%</output>
        </span>
        <input type="range" min={0} max={100} step={1} data-testid="audio-volume" value={audio.ringVolume} onChange={(e) => change({ ...audio, ringVolume: Number(e.target.value) }, { debounce: true })} />
      </label>
      <button type="button" className="action audio-test" data-testid="audio-test" aria-busy={testing} data-playing={testing} disabled={testing} onClick={() => void test()}>
        {t(testing ? 'audio.testing' : 'audio.test')}
      </button>
      {status && (
        <p className={status === 'saved' ? 'notice' : 'error'} role="status" data-testid="audio-status" data-status={status}>
          {t(status === 'saved' ? 'audio.saved' : 'audio.saveFailed')}
        </p>
      )}
    </section>
  );
}
