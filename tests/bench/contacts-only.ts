// The phonebook part of `npm run bench` alone (seed contacts, lookups, search, import), with
// no history: about a minute instead of seeding 1,000,000 calls. Same code as the full run
// (data-bench.ts), so its figures are the full run's phonebook figures.
//   npx tsx tests/bench/contacts-only.ts             (BENCH_CONTACTS=… to change the size)
//   node --cpu-prof --import tsx tests/bench/contacts-only.ts    to profile
import { benchData } from './data-bench';

const results = await benchData({ contacts: Number(process.env.BENCH_CONTACTS ?? 100_000), calls: 0 });
console.log(JSON.stringify(results, null, 2));
