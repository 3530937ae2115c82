const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;
const LETTERS: Record<string, string> = { '2': 'ABC', '3': 'DEF', '4': 'GHI', '5': 'JKL', '6': 'MNO', '7': 'PQRS', '8': 'TUV', '9': 'WXYZ' };

export function Keypad({ onKey, disabled }: { onKey: (key: string) => void; disabled: boolean }) {
  return (
    <div className="keypad" role="group">
      {KEYS.map((key) => (
        <button key={key} type="button" className="key" disabled={disabled} onClick={() => onKey(key)} data-testid={`key-${key}`} aria-label={key}>
          <span className="key-digit">{key}</span>
          <span className="key-letters">{LETTERS[key] ?? ''}</span>
        </button>
      ))}
    </div>
  );
}
