// Generates loans.csv (committed next to this file): 400 made-up loan applicants with age, credit
// score and yearly salary, and whether the loan was repaid (1) or not (0). The rule behind the
// label is hidden from the model: repayment gets likelier with credit score and salary, a little
// with age, and needs a score and salary that are both reasonable (an AND, so not quite linear);
// 8% of the labels are flipped as noise. Run: node examples/guide/data/make-loans.mjs
import { writeFileSync } from 'node:fs';

let seed = 2024;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const rows = ['age,credit_score,salary,repaid'];
for (let i = 0; i < 400; i++) {
  const age = 21 + Math.floor(rand() * 50);
  const score = 300 + Math.floor(rand() * 551); // 300..850
  const salary = 1000 * Math.round(18 + rand() * 122 + (age - 21) * rand()); // grows with age
  const z = Math.min((score - 580) / 40, (salary - 42000) / 9000) + (age - 45) / 40;
  let repaid = z > 0 ? 1 : 0;
  if (rand() < 0.08) repaid = 1 - repaid;
  rows.push(`${age},${score},${salary},${repaid}`);
}
writeFileSync(new URL('./loans.csv', import.meta.url), rows.join('\n') + '\n');
