import { useEffect, useRef } from 'react';

/** Plays one call's far-end audio (a held call's tracks are disabled by the engine), on the
 *  speaker chosen in デバイス設定 (`sinkId`, '' = the system default). */
export function LineAudio({ stream, testId, sinkId = '' }: { stream: MediaStream | null; testId: string; sinkId?: string }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.srcObject = stream;
  }, [stream]);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof element.setSinkId !== 'function' || element.sinkId === sinkId) return;
    // Rejected when the device went away meanwhile: the routing falls back and renders again.
    element.setSinkId(sinkId).catch(() => undefined);
  }, [sinkId]);
  return <audio ref={ref} autoPlay data-testid={testId} />;
}
