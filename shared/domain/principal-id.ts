/**
 * Principal ids, canonical: one person is one id however their name was typed, so a four-eyes
 * rule compares people, not spellings. Identities are parsed once (identity-settings.ts for
 * tokens and Google principals, the Google adapter for the e-mail a token carries), and every id
 * a service sees has passed through `canonicalPrincipalId`.
 *
 * Two configured entries that are different ids yet look alike (`alice@firm` and `аlice@firm`
 * with a Cyrillic а) would still let one person hold two approver identities, so a settings
 * file with such a pair is refused: `confusableSkeleton` finds them.
 */

/**
 * Trimmed, NFKC-normalised and case-folded. JavaScript has no full case folding; lower-casing
 * the upper-cased text folds the letters whose folding expands (ß → ss, ﬃ → ffi) or has several
 * lower-case forms (ς, σ → σ), which is what the Unicode CaseFolding table does for them.
 */
export function canonicalPrincipalId(raw: string): string {
  return raw.trim().normalize('NFKC').toLowerCase().toUpperCase().toLowerCase().normalize('NFKC');
}

/**
 * Characters that look like Latin letters or digits in common fonts, mapped to the Latin they
 * imitate. A small hand-made subset of the Unicode confusables table of UTS #39 (section 4,
 * "Confusable Detection"): lower-case Cyrillic and Greek look-alikes of Latin letters, the
 * Latin-looking IPA letters, digits that pass for letters, and the letter pair `rn` that passes
 * for `m`. It is applied after case folding, so only lower-case forms are listed. Not the whole
 * table: a look-alike from another script is not caught here.
 */
const LOOK_ALIKES: ReadonlyMap<string, string> = new Map([
  // Cyrillic
  ['а', 'a'],
  ['в', 'b'],
  ['е', 'e'],
  ['ё', 'e'],
  ['һ', 'h'],
  ['і', 'i'],
  ['ї', 'i'],
  ['ј', 'j'],
  ['к', 'k'],
  ['ӏ', 'l'],
  ['м', 'm'],
  ['н', 'h'],
  ['о', 'o'],
  ['р', 'p'],
  ['ԛ', 'q'],
  ['г', 'r'],
  ['ѕ', 's'],
  ['т', 't'],
  ['ц', 'u'],
  ['ѵ', 'v'],
  ['ԝ', 'w'],
  ['х', 'x'],
  ['у', 'y'],
  ['ү', 'y'],
  ['ԁ', 'd'],
  ['ԍ', 'g'],
  ['ь', 'b'],
  ['ɡ', 'g'],
  // Greek
  ['α', 'a'],
  ['β', 'b'],
  ['ε', 'e'],
  ['η', 'n'],
  ['ι', 'i'],
  ['κ', 'k'],
  ['ν', 'v'],
  ['ο', 'o'],
  ['ρ', 'p'],
  ['τ', 't'],
  ['υ', 'u'],
  ['χ', 'x'],
  ['γ', 'y'],
  ['ω', 'w'],
  ['ϲ', 'c'],
  ['ϳ', 'j'],
  // Latin look-alikes (IPA, dotless i) and digits
  ['ı', 'i'],
  ['ɩ', 'i'],
  ['ɑ', 'a'],
  ['ɛ', 'e'],
  ['ɔ', 'c'],
  ['ʋ', 'u'],
  ['ʏ', 'y'],
  ['0', 'o'],
  ['1', 'l'],
  ['|', 'l'],
]);

/** Invisible characters that make two ids differ without looking different. */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: a list of single code points to strip; the combining ones are listed on purpose
const INVISIBLE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF]/gu;

/**
 * The UTS #39 skeleton of a canonical id, over the table above: two ids with the same skeleton
 * look the same to a person reading them.
 */
export function confusableSkeleton(id: string): string {
  const folded = canonicalPrincipalId(id).normalize('NFD').replace(INVISIBLE, '');
  let mapped = '';
  for (const char of folded) mapped += LOOK_ALIKES.get(char) ?? char;
  return mapped.replaceAll('rn', 'm').normalize('NFD');
}

/**
 * Pairs of entries whose ids are one person's under case folding or look alike, each pair as
 * the two labels the caller gave, in order. The same id written the same way twice (one person
 * with two tokens) is no collision; written two ways (`alice@firm`, `Alice@firm`) it is, since
 * nobody can tell which spelling the firm meant as the second approver.
 */
export function principalCollisions(entries: ReadonlyArray<{ id: string; label: string }>): Array<[string, string]> {
  const seen = new Map<string, { written: string; label: string }>();
  const collisions: Array<[string, string]> = [];
  for (const entry of entries) {
    const skeleton = confusableSkeleton(entry.id);
    const earlier = seen.get(skeleton);
    if (!earlier) seen.set(skeleton, { written: entry.id.trim(), label: entry.label });
    else if (earlier.written !== entry.id.trim()) collisions.push([earlier.label, entry.label]);
  }
  return collisions;
}
