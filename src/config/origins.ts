import { ConfigError } from './limits.ts';

/** WIDGET_ORIGINS: a comma-separated list of exact origins; anything else is a configuration error. */
export function readWidgetOrigins(value: string | undefined): Set<string> {
  const origins = new Set<string>();
  for (const raw of (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError(`WIDGET_ORIGINS: "${raw}" is not an origin such as https://www.example.com`);
    }
    if (url.origin === 'null' || url.origin !== raw.replace(/\/$/, ''))
      throw new ConfigError(
        `WIDGET_ORIGINS: "${raw}" must be an exact origin (scheme, host and port, no path), such as https://www.example.com`,
      );
    origins.add(url.origin);
  }
  return origins;
}
