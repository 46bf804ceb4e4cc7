// The search page: asks Pagefind for every term of the query, shows the reports
// that contain all of them, and runs the query in ?q= when the page opens.
//
// Pagefind indexes each report's text with one word per Chinese character
// (see digest/search.py), so a term is searched as an exact phrase of characters:
// 红白喜事 → "红 白 喜 事". Neither jieba (at indexing) nor the browser's
// Intl.Segmenter (at query time) decides where words end, so a report that
// contains the term is never missed, and one that does not is not shown.

const PAGE_SIZE = 10;
const IDEOGRAPH = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3134f}]/u;
const TOKEN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3134f}]|[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3134f}]+/gu;

const form = document.getElementById("search-form");
const input = document.getElementById("search-query");
const statusLine = document.getElementById("search-status");
const list = document.getElementById("search-results");
const moreRow = document.getElementById("search-more-row");
const moreButton = document.getElementById("search-more");
const root = form.dataset.root;
// The status lines, in the site's language, from the page (templates/search.html).
const say = form.dataset;

let pagefind = null;
let shown = [];      // results of the current query, not yet all rendered
let latest = 0;      // number of the newest search; older answers are dropped

// "柱濮 任刚" → ['"柱 濮"', '"任 刚"']: one Pagefind query per term.
export function queryTerms(text) {
  return text
    .split(/[\s\p{P}\p{S}]+/u)
    .filter((term) => term.length > 0)
    .map((term) => {
      const tokens = term.match(TOKEN);
      return tokens.length > 1 || IDEOGRAPH.test(term) ? `"${tokens.join(" ")}"` : term;
    });
}

// The archive is indexed in parts (a year, or part of one: see digest/search.py),
// newest first; Pagefind searches them as one.
const bundles = (form.dataset.bundles || "").split(" ").filter((bundle) => bundle);

async function loadPagefind() {
  if (!pagefind) {
    const [newest, ...older] = bundles;
    const engine = await import(`${root}${newest}pagefind.js`);
    await engine.options({ excerptLength: 50 });
    await Promise.all(older.map((bundle) => engine.mergeIndex(new URL(root + bundle, location.href).href)));
    await engine.init();
    pagefind = engine;
  }
  return pagefind;
}

// Reports that match every term, in the order Pagefind ranks the first one.
async function findAll(terms) {
  if (bundles.length === 0) {
    return [];  // no reports yet
  }
  const engine = await loadPagefind();
  const answers = await Promise.all(terms.map((term) => engine.search(term)));
  let results = answers[0].results;
  for (const answer of answers.slice(1)) {
    const ids = new Set(answer.results.map((result) => result.id));
    results = results.filter((result) => ids.has(result.id));
  }
  return results;
}

async function runSearch(text) {
  const number = ++latest;
  const query = text.trim();
  const terms = queryTerms(query);
  list.replaceChildren();
  moreRow.hidden = true;
  if (terms.length === 0) {
    statusLine.textContent = query ? say.sayEmpty : "";
    return;
  }
  statusLine.textContent = say.saySearching;
  let results;
  try {
    results = await findAll(terms);
  } catch (error) {
    statusLine.textContent = say.sayFailed;
    throw error;
  }
  if (number !== latest) {
    return;
  }
  shown = results;
  await showMore(number);
  if (number === latest) {
    statusLine.textContent = results.length
      ? say.sayFound.replace("{count}", results.length).replace("{query}", query)
      : say.sayNone.replace("{query}", query);
  }
}

async function showMore(number) {
  const batch = shown.slice(0, PAGE_SIZE);
  shown = shown.slice(PAGE_SIZE);
  const data = await Promise.all(batch.map((result) => result.data()));
  if (number !== latest) {
    return;
  }
  list.append(...data.map(resultItem));
  moreRow.hidden = shown.length === 0;
}

function resultItem(data) {
  const item = document.createElement("li");
  const article = document.createElement("article");
  const heading = document.createElement("h2");
  const link = document.createElement("a");
  const url = data.meta.url || data.url;  // the record's file is not the report's page
  link.href = root + url.replace(/^\//, "");
  link.textContent = data.meta.title || url;
  heading.append(link);
  const header = document.createElement("header");  // title, date and place head the result
  header.append(heading, metaLine(data.meta));
  article.append(header, excerpt(data.excerpt));
  item.append(article);
  return item;
}

function metaLine(meta) {
  const line = document.createElement("p");
  line.className = "meta";
  if (meta.date) {
    const time = document.createElement("time");
    time.dateTime = meta.datetime || "";
    time.textContent = meta.date;
    line.append(time);
  }
  if (meta.place) {
    const place = document.createElement("span");
    place.className = "place";
    place.textContent = meta.place;
    line.append(place);
  }
  return line;
}

// Pagefind shows the excerpt with a space around every Chinese character (where
// the index has its word breaks): take out each space beside a Chinese character
// or punctuation mark, as Chinese is written.
const CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u{20000}-\u{3134f}";
const SPACE_BESIDE_CJK = new RegExp(`(?<=[${CJK}](?:</?mark>)*)\\s+|\\s+(?=(?:</?mark>)*[${CJK}])`, "gu");

// Pagefind's excerpt as text with <mark>s, nothing else; neighbouring marks
// (one per character) become one, and the space after a word is not marked.
function excerpt(html) {
  const paragraph = document.createElement("p");
  paragraph.className = "excerpt";
  const template = document.createElement("template");
  template.innerHTML = html.replace(SPACE_BESIDE_CJK, "");
  for (const node of template.content.childNodes) {
    const [, text, space] = node.textContent.match(/^([\s\S]*?)(\s*)$/);
    const last = paragraph.lastChild;
    if (node.nodeName !== "MARK") {
      paragraph.append(text + space);
    } else if (last && last.nodeName === "MARK") {
      last.textContent += text;
    } else {
      const mark = document.createElement("mark");
      mark.textContent = text;
      paragraph.append(mark);
    }
    if (node.nodeName === "MARK" && space) {
      paragraph.append(space);
    }
  }
  paragraph.normalize();
  return paragraph;
}

function showQueryInAddress(query) {
  const url = new URL(window.location.href);
  if (query) {
    url.searchParams.set("q", query);
  } else {
    url.searchParams.delete("q");
  }
  window.history.replaceState(null, "", url);
}

let typingTimer = 0;
input.addEventListener("input", () => {
  window.clearTimeout(typingTimer);
  typingTimer = window.setTimeout(() => {
    showQueryInAddress(input.value.trim());
    runSearch(input.value);
  }, 300);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  window.clearTimeout(typingTimer);
  showQueryInAddress(input.value.trim());
  runSearch(input.value);
});
moreButton.addEventListener("click", () => showMore(latest));

form.hidden = false;
const initial = new URLSearchParams(window.location.search).get("q") || "";
input.value = initial;
if (initial.trim()) {
  runSearch(initial);
} else {
  input.focus();
}
