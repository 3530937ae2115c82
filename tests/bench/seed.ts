// Deterministic synthetic data for the benchmarks: Japanese names with readings, varied number
// formats, and call history. Deterministic so figures are comparable run to run.
import type { Database } from 'better-sqlite3';
import type { ContactInput } from '../../src-preload/contract';

const SURNAMES: [string, string][] = [
  ['佐藤', 'さとう'], ['鈴木', 'すずき'], ['高橋', 'たかはし'], ['田中', 'たなか'], ['伊藤', 'いとう'], ['渡辺', 'わたなべ'],
  ['山本', 'やまもと'], ['中村', 'なかむら'], ['小林', 'こばやし'], ['加藤', 'かとう'], ['吉田', 'よしだ'], ['山田', 'やまだ'],
  ['佐々木', 'ささき'], ['山口', 'やまぐち'], ['松本', 'まつもと'], ['井上', 'いのうえ'], ['木村', 'きむら'], ['林', 'はやし'],
  ['斎藤', 'さいとう'], ['清水', 'しみず'], ['山崎', 'やまざき'], ['森', 'もり'], ['池田', 'いけだ'], ['橋本', 'はしもと'],
];
const GIVEN: [string, string][] = [
  ['太郎', 'たろう'], ['花子', 'はなこ'], ['一郎', 'いちろう'], ['健', 'けん'], ['美咲', 'みさき'], ['翔太', 'しょうた'],
  ['陽菜', 'ひな'], ['大輔', 'だいすけ'], ['愛', 'あい'], ['直樹', 'なおき'], ['由美', 'ゆみ'], ['拓也', 'たくや'],
];
const COMPANIES = ['株式会社つなぐ', '東京商事', '大阪物産', '名古屋工業', '福岡システム', '札幌通信'];

/** A pseudo-random but repeatable sequence (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The i-th landline, in one of the formats people store numbers in. */
export function landline(i: number): { display: string; digits: string } {
  const area = String(3 + (i % 6)).padStart(2, '0'); // 03..08
  const a = String(1000 + ((i * 7919) % 9000));
  const b = String(i % 10000).padStart(4, '0');
  const digits = `${area}${a}${b}`;
  const formats = [`${area}-${a}-${b}`, digits, `+81 ${area.slice(1)} ${a} ${b}`, `(${area}) ${a}-${b}`];
  return { display: formats[i % formats.length]!, digits };
}

export function contactAt(i: number): ContactInput {
  const [sn, sk] = SURNAMES[i % SURNAMES.length]!;
  const [gn, gk] = GIVEN[Math.floor(i / SURNAMES.length) % GIVEN.length]!;
  const kana = i % 2 === 0 ? `${sk} ${gk}` : `${sk} ${gk}`.replace(/[ぁ-ゖ]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));
  return {
    name: `${sn} ${gn}${i}`,
    kana,
    company: COMPANIES[i % COMPANIES.length]!,
    department: '営業部',
    numbers: [
      { label: '会社', number: landline(i).display },
      { label: '携帯', number: `090-${String(1000 + (i % 9000))}-${String(i % 10000).padStart(4, '0')}` },
    ],
    email: '',
    notes: '',
    favourite: i % 500 === 0,
    photo: null,
  };
}

/** Fills the calls table with `count` finished calls spread over two years, in one transaction. */
export function seedHistory(db: Database, count: number): void {
  const random = rng(7);
  const insert = db.prepare(`
    INSERT INTO calls (call_id, direction, outcome, remote_number, remote_name, local_account, started_at, answered_at, ended_at, duration_sec)
    VALUES (?, ?, ?, ?, ?, '1001@lab.test', ?, ?, ?, ?)`);
  const outcomes = ['answered', 'answered', 'answered', 'missed', 'rejected', 'cancelled', 'failed'] as const;
  const start = Date.UTC(2024, 0, 1);
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const startedAt = start + Math.floor((i / count) * 730 * 86_400_000);
      const outcome = outcomes[Math.floor(random() * outcomes.length)]!;
      const direction = outcome === 'missed' || outcome === 'rejected' ? 'incoming' : random() < 0.5 ? 'incoming' : 'outgoing';
      const answered = outcome === 'answered' ? startedAt + 5_000 : null;
      const duration = answered ? Math.floor(random() * 600) : null;
      const uuid = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
      insert.run(uuid, direction, outcome, landline(Math.floor(random() * 200_000)).digits, null, startedAt, answered, (answered ?? startedAt) + (duration ?? 0) * 1000, duration);
    }
  })();
}
