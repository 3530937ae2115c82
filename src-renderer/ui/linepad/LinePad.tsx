import { useTranslation } from 'react-i18next';
import type { CallButtons } from '../../../src-preload/contract';
import type { PhoneController, PhoneView } from '../../app/phone-controller';
import type { MessageSummary } from '../../phone/presence-parsers';

interface Props {
  controller: PhoneController;
  view: PhoneView;
  buttons: CallButtons;
}

/**
 * 外線パッド: the keys a receptionist's desk phone has beside the keypad — line selection,
 * one-touch numbers, park slots 1–6 and busy lamps with their lamps, pickup and voicemail. What
 * each key dials is configured in 設定 (PBX-dependent); the lamps come from the PBX.
 */
export function LinePad({ controller, view, buttons }: Props) {
  const { t } = useTranslation();
  const registered = view.registration.kind === 'registered';
  const lampOf = (extension: string) => view.lamps[extension]?.state ?? 'idle';

  return (
    <section className="linepad" aria-label={t('linepad.title')} data-testid="linepad">
      {buttons.lines.length > 0 && (
        <div className="pad-group" role="radiogroup" aria-label={t('linepad.lines')}>
          <span className="pad-title">{t('linepad.lines')}</span>
          <button type="button" role="radio" aria-checked={view.selectedLine === null} className={view.selectedLine === null ? 'pad-key on' : 'pad-key'} data-testid="line-select-default" onClick={() => controller.selectLine(null)}>
            {t('linepad.defaultLine')}
          </button>
          {buttons.lines.map((line, index) => (
            <button key={index} type="button" role="radio" aria-checked={view.selectedLine === index} className={view.selectedLine === index ? 'pad-key on' : 'pad-key'} data-testid="line-select" onClick={() => controller.selectLine(index)}>
              {line.label}
            </button>
          ))}
        </div>
      )}
      {buttons.oneTouch.length > 0 && (
        <div className="pad-group">
          <span className="pad-title">{t('linepad.oneTouch')}</span>
          {buttons.oneTouch.map((key, index) => (
            <button key={index} type="button" className="pad-key" data-testid="one-touch" disabled={!registered} title={key.number} onClick={() => void controller.dial(key.number)}>
              {key.label}
            </button>
          ))}
        </div>
      )}
      <div className="pad-group">
        <span className="pad-title">{t('linepad.park')}</span>
        {buttons.park.map((slot, index) => {
          const lamp = lampOf(slot.watch);
          return (
            <button
              key={index}
              type="button"
              className={`pad-key pad-lamp pad-lamp-${lamp}`}
              data-testid={`park-slot-${index + 1}`}
              data-lamp={lamp}
              disabled={!registered}
              aria-label={`${slot.label || t('linepad.parkSlot', { n: index + 1 })} ${t(`linepad.lamp.${lamp}`)}`}
              onClick={() => void controller.park(index)}
            >
              {slot.label || t('linepad.parkSlot', { n: index + 1 })}
            </button>
          );
        })}
      </div>
      {buttons.blf.length > 0 && (
        <div className="pad-group">
          <span className="pad-title">{t('linepad.blf')}</span>
          {buttons.blf.map((key) => {
            const lamp = lampOf(key.extension);
            return (
              <button
                key={key.extension}
                type="button"
                className={`pad-key pad-lamp pad-lamp-${lamp}`}
                data-testid="blf-key"
                data-extension={key.extension}
                data-lamp={lamp}
                disabled={!registered}
                aria-label={`${key.label || key.extension} ${t(`linepad.lamp.${lamp}`)}`}
                // A ringing colleague's key picks the call up; otherwise it calls them.
                onClick={() => void (lamp === 'ringing' ? controller.pickup(key.extension) : controller.dial(key.extension))}
              >
                {key.label || key.extension}
              </button>
            );
          })}
        </div>
      )}
      <div className="pad-group">
        {buttons.pickup.group && (
          <button type="button" className="pad-key" data-testid="group-pickup" disabled={!registered} onClick={() => void controller.groupPickup()}>
            {t('linepad.groupPickup')}
          </button>
        )}
        <button type="button" className="pad-key" data-testid="voicemail-start" disabled={!registered || !buttons.voicemail.startPrefix} onClick={() => void controller.voicemailAction('start')}>
          {t('linepad.voicemailStart')}
        </button>
        <button type="button" className="pad-key" data-testid="voicemail-stop" disabled={!registered || !buttons.voicemail.stop} onClick={() => void controller.voicemailAction('stop')}>
          {t('linepad.voicemailStop')}
        </button>
        <button type="button" className="pad-key" data-testid="voicemail-status" disabled={!registered || !buttons.voicemail.statusPrefix} onClick={() => void controller.voicemailAction('status')}>
          {t('linepad.voicemailStatus')}
        </button>
        {/* One voicemail lamp per account: each has its own mailbox. Named only when there are several. */}
        {view.accounts.length === 0 ? (
          <MailboxLamp summary={undefined} />
        ) : (
          view.accounts.map((account) => (
            <MailboxLamp key={account.id} accountId={account.id} summary={view.voicemail[account.id]} name={view.accounts.length > 1 ? account.label : undefined} />
          ))
        )}
      </div>
    </section>
  );
}

/** One mailbox's voicemail lamp (MWI): 留守電あり（新着 n 件） or 留守電なし, with the account's name when given. */
function MailboxLamp({ accountId, summary, name }: { accountId?: string; summary: MessageSummary | undefined; name?: string | undefined }) {
  const { t } = useTranslation();
  const state = summary?.waiting ? t('linepad.messagesWaiting', { count: summary.newMessages }) : t('linepad.noMessages');
  return (
    <span className={summary?.waiting ? 'mwi-lamp on' : 'mwi-lamp'} data-testid="mwi-lamp" data-account={accountId} data-waiting={summary?.waiting ?? false} role="status">
      {name === undefined ? state : t('linepad.mailboxOf', { account: name, state })}
    </span>
  );
}
