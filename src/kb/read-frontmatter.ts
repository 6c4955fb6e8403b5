import matter from 'gray-matter';

/** An article split into its frontmatter and body; the data stays `unknown` until validated. */
export interface Frontmatter {
  data: unknown;
  /** The raw frontmatter text, starting with the newline after the opening `---`. */
  matter: string;
  content: string;
}

/** Why the frontmatter could not be read, and on which line of the file. */
export interface FrontmatterProblem {
  line: number;
  message: string;
}

const OPENING = '---';
const YAML_NAMES = new Set(['', 'yaml', 'yml']);

/** Every language gray-matter knows or aliases besides YAML; each entry throws instead of evaluating. */
const REFUSED_LANGUAGES = ['javascript', 'js', 'coffee', 'coffeescript', 'cson', 'json', 'toml'];

class RefusedLanguage extends Error {}

const refuse = (language: string) => (): never => {
  throw new RefusedLanguage(language);
};

const ENGINES = {
  yaml: { parse: safeYaml() },
  ...Object.fromEntries(REFUSED_LANGUAGES.map((language) => [language, { parse: refuse(language) }])),
};

/** gray-matter's own YAML engine (js-yaml 3 `safeLoad`: no `!!js/function`), given no options that could widen its schema. */
function safeYaml(): (text: string) => object {
  const engines: unknown = (matter as unknown as { engines?: unknown }).engines;
  const yaml = typeof engines === 'object' && engines !== null ? (engines as Record<string, unknown>).yaml : undefined;
  const parse = typeof yaml === 'object' && yaml !== null ? (yaml as Record<string, unknown>).parse : undefined;
  if (typeof parse !== 'function')
    throw new Error('gray-matter no longer exposes its YAML engine; fixpath cannot read frontmatter safely');
  return (text: string) => (parse as (text: string) => object)(text);
}

/**
 * The language gray-matter would pick from the text after the opening `---` (`---js`,
 * `--- JavaScript`), found the way it finds it, so that a non-YAML one is refused before
 * gray-matter ever looks up an engine.
 */
function declaredLanguage(text: string): string {
  if (!text.startsWith(OPENING) || text.charAt(OPENING.length) === '-') return '';
  return matter.language(text).name;
}

/**
 * Split an article into frontmatter and body. Only YAML frontmatter is read, and it is only ever
 * parsed as data: gray-matter's other engines (JavaScript is `eval`) are refused, so an article
 * can never run code in the linter, the server or the build.
 */
export function readFrontmatter(text: string): Frontmatter | FrontmatterProblem {
  // gray-matter strips a byte-order mark before it reads the language line, so this does too.
  const unmarked = text.replace(/^\uFEFF/, '');
  const language = declaredLanguage(unmarked);
  if (!YAML_NAMES.has(language.toLowerCase())) return notYaml(language);
  try {
    // Options are passed so that gray-matter does not cache every version of a watched file.
    const file = matter(unmarked, { language: 'yaml', excerpt: false, engines: ENGINES });
    return { data: file.data as unknown, matter: file.matter ?? '', content: file.content };
  } catch (error) {
    if (error instanceof RefusedLanguage) return notYaml(error.message);
    const mark = (error as { mark?: { line?: number } }).mark;
    const reason = (error as { reason?: string }).reason ?? (error as Error).message;
    return {
      line: typeof mark?.line === 'number' ? mark.line + 1 : 1,
      message: `frontmatter is not valid YAML: ${reason}`,
    };
  }
}

function notYaml(language: string): FrontmatterProblem {
  return {
    line: 1,
    message: `frontmatter is marked as ${JSON.stringify(language)}; only YAML frontmatter is read, and it is never run as code: use YAML frontmatter (a plain --- line, then key: value lines, then ---)`,
  };
}

export function isFrontmatterProblem(value: Frontmatter | FrontmatterProblem): value is FrontmatterProblem {
  return 'message' in value;
}
