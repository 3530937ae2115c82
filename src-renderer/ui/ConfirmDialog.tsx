import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

/** A modal yes/no question (はい / いいえ), keyboard-friendly: Enter confirms, Escape cancels. */
export function ConfirmDialog(props: { message: string; onYes: () => void; onNo: () => void }) {
  const { t } = useTranslation();
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => yes.current?.focus(), []);
  return (
    <div className="dialog-backdrop" role="presentation" onKeyDown={(e) => e.key === 'Escape' && props.onNo()}>
      <div className="dialog" role="alertdialog" aria-modal="true" aria-labelledby="confirm-message" data-testid="confirm-dialog">
        <p id="confirm-message">{props.message}</p>
        <div className="dialog-actions">
          <button ref={yes} type="button" className="action call" data-testid="confirm-yes" onClick={props.onYes}>
            {t('phonebook.yes')}
          </button>
          <button type="button" className="action secondary" data-testid="confirm-no" onClick={props.onNo}>
            {t('phonebook.no')}
          </button>
        </div>
      </div>
    </div>
  );
}
