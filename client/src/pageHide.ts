/**
 * Browsers: when the page is hidden (another tab, the phone's home screen) or left (pagehide), what is
 * queued may never get another chance to be sent, and a plain fetch started then is cancelled with the
 * page. `onHide` is called then; it hands the queue to fetch keepalive, which outlives the page.
 */
export function flushOnPageHide(onHide: () => void): () => void {
  const page = globalThis as unknown as {
    addEventListener?: (type: string, listener: () => void) => void;
    removeEventListener?: (type: string, listener: () => void) => void;
    document?: {
      visibilityState?: string;
      addEventListener(type: string, l: () => void): void;
      removeEventListener(type: string, l: () => void): void;
    };
  };
  if (typeof page.addEventListener !== 'function' || page.document === undefined) return () => undefined;
  const document = page.document;
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') onHide();
  };
  page.addEventListener('pagehide', onHide);
  document.addEventListener('visibilitychange', onVisibility);
  return () => {
    page.removeEventListener?.('pagehide', onHide);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}
