// The web phonebook part of `npm run bench` alone: a lab Radicale with generated cards, first
// sync, incremental syncs, live and cache lookups. Same code as the full run
// (webphonebook-bench.ts), so its figures are the full run's web phonebook figures.
//   npx tsx tests/bench/webphonebook-only.ts             (BENCH_CARDS=… to change the size)
//   node --cpu-prof --import tsx tests/bench/webphonebook-only.ts    to profile
import { benchWebPhonebook } from './webphonebook-bench';

const results = await benchWebPhonebook({ cards: Number(process.env.BENCH_CARDS ?? 10_000) });
console.log(JSON.stringify(results, null, 2));
