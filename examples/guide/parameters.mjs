// Counting parameters: a dense layer of `units` neurons over `inputs` values has one weight per
// (input, unit) pair and one bias per unit: units × (inputs + 1).
// Run: node examples/guide/parameters.mjs   (page: docs/guide/03-parameters.md)
import { dense, sequential } from 'dendrite';

/** The count by hand, layer by layer. */
function byHand(inputs, units) {
  let total = 0;
  const terms = units.map((u) => {
    const n = u * (inputs + 1);
    total += n;
    const term = `${u}×(${inputs}+1)`;
    inputs = u;
    return term;
  });
  return `${terms.join(' + ')} = ${total}`;
}

// 3 inputs → 6 → 6 → 1
const small = sequential(
  [
    dense({ units: 6, activation: 'relu', inputShape: [3] }),
    dense({ units: 6, activation: 'relu' }),
    dense({ units: 1, activation: 'sigmoid' }),
  ],
  { name: '3-6-6-1' },
);
small.summary({ formula: true });
console.log(`by hand: ${byHand(3, [6, 6, 1])}`);
console.log(`countParams(): ${small.countParams()}\n`);

// 64 inputs → seven layers of 3 units
const deep = sequential(
  Array.from({ length: 7 }, (_, i) => dense({ units: 3, activation: 'relu', ...(i === 0 && { inputShape: [64] }) })),
  { name: '64-3x7' },
);
deep.summary({ formula: true });
console.log(`by hand: ${byHand(64, [3, 3, 3, 3, 3, 3, 3])}`);
console.log(`countParams(): ${deep.countParams()}`);
