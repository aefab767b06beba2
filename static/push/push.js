/* The page's end of the server's pushes (config/push.py): one EventSource on /push/stream,
   each event handed on as a "push:<kind>" DOM event on window, so a page listens for the
   kinds it shows. EventSource reconnects by itself when the stream ends or drops. */
(function () {
  if (!window.EventSource) return;
  const kinds = ["screen_pop"];
  const source = new EventSource("/push/stream");
  for (const kind of kinds) {
    source.addEventListener(kind, (e) => {
      let detail = null;
      try {
        detail = JSON.parse(e.data);
      } catch (err) {
        return; // not ours: the server sends JSON
      }
      window.dispatchEvent(new CustomEvent(`push:${kind}`, { detail }));
    });
  }
  window.pushSource = source;
})();
