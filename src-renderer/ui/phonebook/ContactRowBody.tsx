/** What a phonebook row shows of a contact — name, reading, company, and a call button per
 *  number — for the personal phonebook and the (read-only) web phonebook alike. */
export function ContactRowBody(props: {
  contact: { name: string; kana: string; company: string; department: string; numbers: { label: string; number: string }[] };
  /** Shown before the name (the personal phonebook's ★ for a favourite). */
  mark?: string;
  /** Test ids: 'contact-name' / 'contact-dial', prefixed ('web-') for the web phonebook. */
  testIdPrefix?: string;
  onDial: (number: string, name: string) => void;
}) {
  const { contact: row, mark, testIdPrefix = '', onDial } = props;
  return (
    <>
      <div className="contact-main">
        <span className="contact-name" data-testid={`${testIdPrefix}contact-name`}>
          {mark}
          {row.name}
        </span>
        {row.kana && <span className="contact-kana">{row.kana}</span>}
        {(row.company || row.department) && <span className="contact-org">{[row.company, row.department].filter(Boolean).join(' ')}</span>}
      </div>
      <div className="contact-numbers">
        {row.numbers.map((n, i) => (
          <button key={i} type="button" className="number" data-testid={`${testIdPrefix}contact-dial`} onClick={() => onDial(n.number, row.name)}>
            <small>{n.label}</small> {n.number}
          </button>
        ))}
      </div>
    </>
  );
}
