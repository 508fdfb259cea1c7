/**
 * One rule of `ssl.principal.mapping.rules`: `DEFAULT` (the name unchanged) or
 * `RULE:<regex>/<replacement>/[L|U]`.
 */
export type PrincipalMappingRule =
  | { readonly kind: 'default' }
  | {
      readonly kind: 'rule';
      readonly pattern: RegExp;
      readonly source: string;
      readonly replacement: string;
      readonly caseChange: 'lower' | 'upper' | 'none';
    };

/** The rules Kafka applies when none are configured. */
export const DEFAULT_PRINCIPAL_MAPPING_RULES = 'DEFAULT';

// Kafka's SslPrincipalMapper grammar, kept as close to its regular expressions as JavaScript
// allows: a rule body may contain escaped characters (`\/` for a slash) and the rule list is
// comma-separated, with commas inside a RULE's regex or replacement belonging to that rule.
const RULE_PATTERN = String.raw`(DEFAULT)|RULE:((?:\\.|[^\\/])*)\/((?:\\.|[^\\/])*)\/([LU]?).*?|(.*?)`;
const RULE_SPLITTER = new RegExp(String.raw`\s*(${RULE_PATTERN})\s*(?:,\s*|$)`, 'gy');
const RULE_PARSER = new RegExp(`^(?:${RULE_PATTERN})`);

/**
 * Parses `ssl.principal.mapping.rules` into rules, with an error that quotes the offending rule
 * and what could not be understood in it.
 */
export function parsePrincipalMappingRules(rules: string): PrincipalMappingRule[] {
  const result: PrincipalMappingRule[] = [];
  for (const rule of splitRules(rules.trim())) {
    const match = RULE_PARSER.exec(rule);
    if (!match) throw new Error(`invalid principal mapping rule '${rule}'`);
    if (match[0].length !== rule.length) {
      throw new Error(
        `invalid principal mapping rule '${rule}': cannot parse '${rule.slice(match[0].length)}' (expected DEFAULT or RULE:pattern/replacement/[L|U])`,
      );
    }
    if (match[1] !== undefined) result.push({ kind: 'default' });
    else if (match[2] !== undefined) result.push(compileRule(rule, match[2], match[3] ?? '', match[4] ?? ''));
    // An empty rule (a stray comma) is ignored, as Kafka does.
  }
  if (result.length === 0) throw new Error(`principal mapping rules '${rules}' contain no rule`);
  return result;
}

function splitRules(rules: string): string[] {
  const parts: string[] = [];
  RULE_SPLITTER.lastIndex = 0;
  while (RULE_SPLITTER.lastIndex < rules.length) {
    const at = RULE_SPLITTER.lastIndex;
    const match = RULE_SPLITTER.exec(rules);
    if (!match || match[0].length === 0) {
      // Cannot happen with the catch-all alternative, but a silent infinite loop would be worse.
      throw new Error(`invalid principal mapping rules: cannot parse '${rules.slice(at)}'`);
    }
    parts.push(match[1] as string);
  }
  return parts;
}

function compileRule(rule: string, source: string, replacement: string, flag: string): PrincipalMappingRule {
  let pattern: RegExp;
  try {
    // Kafka matches the whole name (Matcher.matches), hence the anchors.
    pattern = new RegExp(`^(?:${source})$`);
  } catch (error) {
    throw new Error(
      `invalid principal mapping rule '${rule}': bad regular expression: ${(error as Error).message}`,
    );
  }
  return {
    kind: 'rule',
    pattern,
    source,
    // In a Java replacement `\x` is a literal x; JavaScript has no such escape, so unescape here.
    replacement: replacement.replace(/\\(.)/g, '$1'),
    caseChange: flag === 'L' ? 'lower' : flag === 'U' ? 'upper' : 'none',
  };
}

/** The result of one rule for `name`, or undefined if the rule does not match. */
function applyRule(rule: PrincipalMappingRule, name: string): string | undefined {
  if (rule.kind === 'default') return name;
  if (!rule.pattern.test(name)) return undefined;
  // One whole-name match, replaced once (Java's replaceAll would also replace a trailing empty
  // match for patterns such as `.*`; Kafka's documented rules are anchored and never hit that).
  const mapped = name.replace(rule.pattern, rule.replacement);
  if (rule.caseChange === 'lower') return mapped.toLowerCase();
  if (rule.caseChange === 'upper') return mapped.toUpperCase();
  return mapped;
}

/**
 * Maps a distinguished name (or SAN) to a principal name with the first rule that matches, as
 * Kafka's SslPrincipalMapper does; no matching rule is an error (the connection is refused).
 */
export class PrincipalMapper {
  private readonly rules: PrincipalMappingRule[];

  constructor(rules: string = DEFAULT_PRINCIPAL_MAPPING_RULES) {
    this.rules = parsePrincipalMappingRules(rules);
  }

  /** The principal name for `name`. */
  map(name: string): string {
    for (const rule of this.rules) {
      const mapped = applyRule(rule, name);
      if (mapped !== undefined && mapped.length > 0) return mapped;
    }
    throw new Error(`no principal mapping rule applies to '${name}'`);
  }
}
