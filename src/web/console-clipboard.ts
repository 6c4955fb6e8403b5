/**
 * Copy text for the agent; where the browser refuses (no permission, an insecure origin), show it
 * selected in `fallback` so a keyboard copy still works. Says which happened.
 */
export async function copyText(text: string, fallback: HTMLTextAreaElement): Promise<boolean> {
  fallback.value = text;
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    fallback.hidden = false;
    fallback.select();
    return false;
  }
}
