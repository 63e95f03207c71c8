// The benchmark's verdict: a target is met or missed only when the run's round-to-round noise cannot have decided it.
import t from 'tap'
import { compare } from '../../bench/lib.js'

t.test('steady sides: the ratio, a narrow interval and a clear verdict', async t => {
  const base = [30_000, 31_000, 29_000, 30_500, 29_500, 30_000]
  const met = compare(base, base.map(b => b * 0.9), 0.85)
  t.equal(met.ratio.toFixed(3), '0.900')
  t.equal(met.low.toFixed(3), '0.900', 'no spread between rounds, no width')
  t.equal(met.verdict, 'met')
  t.equal(compare(base, base.map(b => b * 0.8), 0.85).verdict, 'missed')
  t.equal(compare(base, base.map(b => b * 0.8)).verdict, undefined, 'no target, no verdict')
})

t.test('rounds are paired: a host phase that slows both sides of a round does not move the ratio', async t => {
  // Bare at 15k in its slow rounds and 35k in its fast ones: the mean of each side would be dominated by the fast
  // rounds, but every round says 0.9.
  const base = [15_000, 35_000, 15_000, 35_000, 15_000, 35_000]
  const { ratio, low, high, verdict } = compare(base, base.map(b => b * 0.9), 0.85)
  t.equal(ratio.toFixed(3), '0.900')
  t.equal(high - low, 0)
  t.equal(verdict, 'met')
})

t.test('the ratio is the geometric mean of the rounds\' ratios, with a t interval', async t => {
  const c = compare([100, 100, 100, 100], [50, 200, 100, 100])
  t.same(c.rounds, [0.5, 2, 1, 1])
  t.equal(c.ratio, 1, 'half and double cancel')
  // log ratios: -ln2, ln2, 0, 0; sd = ln2·sqrt(2/3); half-width = t(3) · sd / 2
  const half = 3.182 * Math.LN2 * Math.sqrt(2 / 3) / 2
  t.equal(c.low.toFixed(6), Math.exp(-half).toFixed(6))
  t.equal(c.high.toFixed(6), Math.exp(half).toFixed(6))
})

t.test('a noisy run whose interval spans the target is undecided, whichever side its point estimate falls', async t => {
  // Today's me-same-token run: 0.88 "met" by the mean of each side, from rounds between 0.58 and 1.80.
  const base = [14_444, 14_180, 11_140, 15_452, 21_928, 22_360]
  const subj = [8_340, 12_172, 20_056, 10_844, 14_772, 20_904]
  const c = compare(base, subj, 0.85)
  t.equal(c.verdict, 'undecided')
  t.ok(c.low < 0.85 && c.high > 0.85)
  t.equal(compare(base.map(b => b * 2), subj, 0.85).verdict, 'missed', 'the same spread far below the target is still a miss')
})

t.test('one round cannot tell noise from a result', async t => {
  const c = compare([30_000], [29_000], 0.85)
  t.equal(c.high, Infinity)
  t.equal(c.verdict, 'undecided')
})

t.test('a round with no throughput on a side decides nothing', async t => {
  const c = compare([30_000, 0, 30_000], [27_000, 27_000, 27_000], 0.85)
  t.equal(c.verdict, 'undecided')
  t.equal(c.ratio, 81_000 / 60_000, 'the ratio of the sums, for the record')
  t.equal(compare([30_000, 30_000], [0, 27_000], 0.5).verdict, 'undecided')
})

t.test('rounds must pair up', async t => {
  t.throws(() => compare([1, 2], [1]), /2 baseline rounds and 1 subject rounds/)
  t.throws(() => compare([], []), /0 baseline rounds/)
})

t.test('grouped rounds: the interval rests on the spread between process pairs, not on how many rounds each served', async t => {
  // Two pairs, each steady for its life: one at 0.95, one at 0.75. As 12 independent rounds these would look certain
  // of 0.84; as two draws they cannot tell 0.84 from much else.
  const base = Array.from({ length: 12 }, () => 30_000)
  const subj = base.map((b, i) => b * (i % 2 === 0 ? 0.95 : 0.75))
  const groups = base.map((_, i) => i % 2)
  const ungrouped = compare(base, subj, 0.85)
  const grouped = compare(base, subj, 0.85, groups)
  t.equal(grouped.ratio.toFixed(6), ungrouped.ratio.toFixed(6), 'equal rounds per pair: the same ratio')
  t.ok(grouped.high - grouped.low > 10 * (ungrouped.high - ungrouped.low), 'a far wider interval')
  t.equal(grouped.verdict, 'undecided')
  // Pairs that agree: 4 pairs at 0.90–0.92, each round within its pair's noise.
  const subj2 = base.map((b, i) => b * [0.9, 0.91, 0.92, 0.91][i % 4]! * (i < 4 ? 1.02 : i < 8 ? 0.98 : 1))
  t.equal(compare(base, subj2, 0.85, base.map((_, i) => i % 4)).verdict, 'met')
  t.throws(() => compare([1, 2], [1, 2], 0.85, [0]), /1 groups for 2 rounds/)
})
