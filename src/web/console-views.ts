/**
 * The console's two views, chosen by the address's fragment so each can be linked and the back
 * button works: `#insights` shows Insights, anything else the diagnosis view.
 */

export type ConsoleView = 'diagnose' | 'insights';

const VIEWS: readonly ConsoleView[] = ['diagnose', 'insights'];

const viewOf = (hash: string): ConsoleView => (hash === '#insights' ? 'insights' : 'diagnose');

/** Show the view the address names, now and whenever it changes; `onShow` hears which. */
export function routeViews(onShow: (view: ConsoleView) => void): void {
  let current: ConsoleView | null = null;
  const show = (): void => {
    const view = viewOf(location.hash);
    for (const name of VIEWS) {
      (document.getElementById(`view-${name}`) as HTMLElement).hidden = name !== view;
      const tab = document.querySelector(`a[data-view="${name}"]`);
      if (name === view) tab?.setAttribute('aria-current', 'page');
      else tab?.removeAttribute('aria-current');
    }
    // Moving between views moves focus to the new view's heading, as a page load would.
    if (current !== null && current !== view)
      document.querySelector<HTMLElement>(`#view-${view} h1`)?.focus({ preventScroll: false });
    current = view;
    onShow(view);
  };
  addEventListener('hashchange', show);
  show();
}
