// The preview's live reload (python build.py serve): reload when a new build is
// ready; show the content's errors over the last good page while there are any.
// `last` starts as the build this script was served with (the server puts it in
// for BUILD_NOW): a page whose build is replaced before its event stream
// connects still reloads. It is served, never published (the theme's static/ is).
(function () {
  "use strict";
  var last = BUILD_NOW, box = null;
  function show(errors, heading) {
    if (box) { box.remove(); box = null; }
    if (!errors.length) return;
    box = document.createElement("div");
    box.id = "digest-preview-errors";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;top:0;left:0;right:0;max-height:80vh;overflow:auto;" +
      "z-index:2147483647;margin:0;padding:1em 1.5em;background:#fff4f4;color:#8b0000;" +
      "border-bottom:4px solid #c00;box-shadow:0 4px 16px rgba(0,0,0,.3);font:15px/1.6 monospace;";
    var title = document.createElement("strong");
    title.textContent = heading;  // in the editors' language, from the build
    box.appendChild(title);
    var list = document.createElement("ul");
    errors.forEach(function (error) {
      var item = document.createElement("li");
      item.textContent = error.path + ":" + error.line + ": " + error.message;
      list.appendChild(item);
    });
    box.appendChild(list);
    document.body.appendChild(box);
  }
  var events = new EventSource("/__preview__/events");
  events.onmessage = function (event) {
    var state = JSON.parse(event.data);
    document.documentElement.setAttribute("data-preview-build", state.build);
    if (state.build !== last && !state.errors.length) {
      events.close();
      location.reload();
      return;
    }
    last = state.build;
    show(state.errors, state.heading);
  };
})();
