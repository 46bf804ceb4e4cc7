// The preview's live reload (python build.py serve): reload when a new build is
// ready; show the content's errors (over the last good page) and warnings (over
// the new one) in a box at the top, each in its own colour. `last` starts as the
// build this script was served with (the server puts it in for BUILD_NOW): a page
// whose build is replaced before its event stream connects still reloads. Every
// sentence comes from the server, in the editor's language. It is served, never
// published (the theme's static/ is).
(function () {
  "use strict";
  var last = BUILD_NOW, box = null, hidden = null;
  var STYLE =
    "#digest-preview-problems{position:fixed;top:0;left:0;right:0;max-height:70vh;overflow:auto;" +
    "z-index:2147483647;margin:0;padding:.75em 1.25em 1em;background:#fff;color:#1a1a1a;" +
    "box-shadow:0 4px 16px rgba(0,0,0,.3);font:16px/1.6 system-ui,'Noto Sans CJK SC','Microsoft YaHei'," +
    "'PingFang SC',sans-serif;text-align:left}" +
    "#digest-preview-problems.has-errors{border-bottom:5px solid #b00020}" +
    "#digest-preview-problems.only-warnings{border-bottom:5px solid #b25e00;max-height:40vh}" +
    "#digest-preview-problems .heading{display:flex;gap:1em;align-items:flex-start;margin:0 0 .5em;font-weight:bold}" +
    "#digest-preview-problems .heading span{flex:1}" +
    "#digest-preview-problems button{font:inherit;font-weight:normal;padding:.1em .8em;border:1px solid #555;" +
    "border-radius:4px;background:#f3f3f3;color:#1a1a1a;cursor:pointer}" +
    "#digest-preview-problems ul{list-style:none;margin:0;padding:0}" +
    "#digest-preview-problems li{margin:.4em 0;padding:.4em .75em;border-left:5px solid}" +
    "#digest-preview-problems li.error{background:#fdecee;border-color:#b00020;color:#5c0011}" +
    "#digest-preview-problems li.warning{background:#fff4e0;border-color:#b25e00;color:#4a2800}" +
    "#digest-preview-problems .label{display:inline-block;margin-right:.5em;padding:0 .45em;border-radius:3px;" +
    "color:#fff;font-size:.85em}" +
    "#digest-preview-problems li.error .label{background:#b00020}" +
    "#digest-preview-problems li.warning .label{background:#8a4600}" +
    "#digest-preview-problems .where{font-weight:bold;margin-right:.5em}" +
    "#digest-preview-problems .path{display:block;font-size:.8em;color:#444;overflow-wrap:anywhere}";

  function element(name, className, text) {
    var node = document.createElement(name);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }
  function item(problem, label) {
    var line = element("li", problem.severity);
    line.setAttribute("data-path", problem.path);
    line.setAttribute("data-line", problem.line);
    line.appendChild(element("span", "label", label));
    line.appendChild(element("span", "where", problem.where));
    line.appendChild(element("span", "message", problem.message));
    line.appendChild(element("span", "path", problem.path + ":" + problem.line));
    return line;
  }
  function show(state) {
    if (box) { box.remove(); box = null; }
    var problems = state.errors.concat(state.warnings);
    if (!problems.length || hidden === state.build) return;
    if (!document.getElementById("digest-preview-style")) {
      var style = element("style", "", STYLE);
      style.id = "digest-preview-style";
      document.head.appendChild(style);
    }
    box = element("section", state.errors.length ? "has-errors" : "only-warnings");
    box.id = "digest-preview-problems";
    box.setAttribute("role", state.errors.length ? "alert" : "status");
    box.setAttribute("aria-labelledby", "digest-preview-heading");
    var heading = element("p", "heading");
    var words = element("span", "", state.text.heading);
    words.id = "digest-preview-heading";
    heading.appendChild(words);
    var hide = element("button", "", state.text.hide);
    hide.type = "button";
    hide.onclick = function () { hidden = state.build; show(state); };
    heading.appendChild(hide);
    box.appendChild(heading);
    var list = element("ul");
    problems.forEach(function (problem) { list.appendChild(item(problem, state.text[problem.severity])); });
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
    show(state);
  };
})();
