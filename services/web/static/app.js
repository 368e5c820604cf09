// newswire's live page: the enriched feed over Server-Sent Events, filters, search, health and dead letters.
// No framework and no build step. Everything that comes from an article goes into the page through
// textContent, createElement and attributes, never as HTML: article text is untrusted.
"use strict";

(() => {
  const CAP = 5000; // articles kept in the page; the oldest leave beyond it
  const FEED_PAGE = 200; // articles per /api/feed request
  const SEARCH_LIMIT = 200;
  const REASK_MS = 1500; // a search that left unindexed articles out asks again this much later
  const REASK_MAX = 20;
  const STATS_EVERY_MS = 2000;
  const DEAD_EVERY_MS = 5000;
  const HISTORY = 90; // chart samples: three minutes at one every 2 s
  const CHIPS_PER_KIND = 10;
  const QUOTES_SHOWN = 3;
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const SVG = "http://www.w3.org/2000/svg";
  const KINDS = { person: "person", org: "organisation", place: "place", country: "country", lang: "language", q: "search" };

  const $ = (id) => document.getElementById(id);
  const feed = $("feed");

  const state = {
    records: [], // newest first: {key, id, articleId, item, el, facets}
    byArticle: new Map(), // article_id -> record: one item per distinct article
    seenIds: new Set(), // entry ids received, so that an event sent twice is shown once
    pending: [], // records received and not yet in the page (added at the next frame)
    flushScheduled: false,
    filters: [], // {kind, key, label, words?, hits?}
    languages: new Map(), // language code -> articles
    lastId: null, // newest entry id received: where a new EventSource resumes
    oldestId: null, // the feed's "next": where "Load older" goes on ("" at the start of the stream)
    capped: false,
    source: null,
    retryMs: 1000,
    searchToken: 0,
    lastFilterMs: null,
    lastFilterPaintMs: null,
    skipped: 0,
  };

  // ---- small helpers ---------------------------------------------------------------------------------
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    return node;
  }

  async function getJSON(url, options) {
    const response = await fetch(url, { cache: "no-store", ...options });
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok) {
      const why = body && (body.error || (body.problems && body.problems.join("; ")));
      throw new Error(`${response.status} ${why || response.statusText}`);
    }
    return body;
  }

  // A stream entry id "1700000000000-3" as [milliseconds, sequence]: the feed's order.
  function entryKey(id) {
    const m = /^(\d+)-(\d+)$/.exec(id || "");
    return m ? [Number(m[1]), Number(m[2])] : null;
  }

  function itemKey(item) {
    const fromId = entryKey(item.id);
    if (fromId) return fromId;
    const at = Date.parse(item.enriched_at || item.published_at || "");
    return [Number.isNaN(at) ? 0 : at, 0];
  }

  function compareKeys(a, b) {
    return a[0] - b[0] || a[1] - b[1];
  }

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function clockTime(ms) {
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  // Publication times are shown as the source wrote them: a time without an offset has no zone to convert.
  function formatPublished(value) {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(value);
    if (!m) return value;
    let text = `${Number(m[3])} ${MONTHS[Number(m[2]) - 1] || m[2]} ${m[1]}`;
    if (m[4]) text += `, ${m[4]}:${m[5]}`;
    if (m[6]) text += m[6] === "Z" ? " UTC" : ` UTC${m[6]}`;
    return text;
  }

  let languageNames = null;
  try {
    languageNames = new Intl.DisplayNames(["en"], { type: "language" });
  } catch (_) {
    languageNames = null;
  }

  function languageName(code) {
    if (!code) return "unknown language";
    try {
      return (languageNames && languageNames.of(code)) || code;
    } catch (_) {
      return code;
    }
  }

  function safeUrl(value) {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  // ---- one article -----------------------------------------------------------------------------------
  function facetsOf(item) {
    const lower = (list) => new Set((list || []).map((e) => String(e.name).toLowerCase()));
    return {
      person: lower(item.persons),
      org: lower(item.organizations),
      place: lower(item.locations),
      country: new Set((item.countries || []).map((c) => String(c.code).toUpperCase())),
      lang: item.language || "",
      text: null, // headline and body in lower case, made on the first text filter
    };
  }

  function toneElement(tone) {
    const box = el("div", "tone");
    if (typeof tone !== "number" || !Number.isFinite(tone)) {
      box.classList.add("tone-none");
      box.title = "tone: not measured (English articles only)";
      box.append(el("span", "tone-value", "tone n/a"));
      return box;
    }
    const sign = tone > 0 ? "+" : tone < 0 ? "\u2212" : "\u00b1";
    box.classList.add(tone > 0.05 ? "tone-pos" : tone < -0.05 ? "tone-neg" : "tone-zero");
    box.title = `tone ${tone.toFixed(2)}: positive minus negative words, in % of all words`;
    const bar = svg("svg", { class: "tone-bar", viewBox: "0 0 60 8", width: 60, height: 8, "aria-hidden": "true" });
    bar.append(svg("rect", { class: "tone-track", x: 0, y: 3, width: 60, height: 2, rx: 1 }));
    const half = Math.min(Math.abs(tone) / 5, 1) * 29;
    bar.append(svg("rect", { class: "tone-fill", x: tone < 0 ? 30 - half : 30, y: 1, width: Math.max(half, 1), height: 6, rx: 1 }));
    bar.append(svg("rect", { class: "tone-zero-line", x: 29.5, y: 0, width: 1, height: 8 }));
    box.append(bar, el("span", "tone-value", `${sign}${Math.abs(tone).toFixed(1)}`));
    return box;
  }

  function chip(kind, value, text, title) {
    const button = el("button", `chip ${kind}`, text);
    button.type = "button";
    button.dataset.kind = kind;
    button.dataset.value = value;
    button.title = title || `Show only articles naming ${text}`;
    return button;
  }

  function chipsElement(item) {
    const box = el("div", "chips");
    const countryNames = new Set((item.countries || []).map((c) => String(c.name).toLowerCase()));
    const groups = [
      ["person", item.persons || []],
      ["org", item.organizations || []],
      // A place that is a country is already a country chip.
      ["place", (item.locations || []).filter((l) => !countryNames.has(String(l.name).toLowerCase()))],
    ];
    for (const [kind, list] of groups) {
      list.slice(0, CHIPS_PER_KIND).forEach((e) => box.append(chip(kind, e.name, e.name)));
      if (list.length > CHIPS_PER_KIND) {
        const more = el("span", "chip more", `+${list.length - CHIPS_PER_KIND}`);
        more.title = list.slice(CHIPS_PER_KIND).map((e) => e.name).join(", ");
        box.append(more);
      }
    }
    for (const c of item.countries || []) {
      box.append(chip("country", String(c.code).toUpperCase(), String(c.code).toUpperCase(), `${c.name}: show only articles about it`));
    }
    return box;
  }

  function quotesElement(quotes) {
    const list = el("ul", "quotes");
    for (const q of quotes.slice(0, QUOTES_SHOWN)) {
      const li = el("li");
      li.append(el("q", "quote-text", q.text));
      if (q.speaker) li.append(document.createTextNode(" \u2014 "), el("span", "speaker", q.speaker));
      list.append(li);
    }
    if (quotes.length > QUOTES_SHOWN) list.append(el("li", "more-quotes", `${quotes.length - QUOTES_SHOWN} more in the article`));
    return list;
  }

  function renderItem(item, key) {
    const article = el("article", "item");
    if (item.id) article.dataset.id = item.id;
    article.dataset.articleId = item.article_id;

    const head = el("div", "item-head");
    const headline = el("h2", "headline", item.headline);
    headline.tabIndex = 0;
    headline.setAttribute("role", "button");
    headline.setAttribute("aria-expanded", "false");
    headline.title = "Show the article with its names highlighted";
    head.append(headline, toneElement(item.tone));
    article.append(head);

    const meta = el("div", "meta");
    const published = el("time", "published", item.published_at ? formatPublished(item.published_at) : "undated");
    if (item.published_at) published.dateTime = item.published_at;
    published.title = "published";
    meta.append(published);
    if (item.source_name) meta.append(el("span", "source", item.source_name));
    const language = el("span", "language", item.language ? item.language.toUpperCase() : "??");
    language.title = languageName(item.language);
    meta.append(language);
    if (key && key[0] > 0) {
      const arrived = el("span", "arrived", `${item.id ? "enriched" : "from the archive,"} ${clockTime(key[0])}`);
      arrived.title = new Date(key[0]).toISOString();
      meta.append(arrived);
    }
    const url = item.url && safeUrl(item.url);
    if (url) {
      const link = el("a", "link", "source \u2197");
      link.href = url;
      link.rel = "noopener noreferrer nofollow";
      link.target = "_blank";
      meta.append(link);
    }
    if (item.near_duplicate_of) {
      const dup = el("span", "dup", "near-duplicate");
      const sim = item.near_duplicate_of.similarity;
      dup.title = `nearly the same as article ${item.near_duplicate_of.article_id || "?"}${typeof sim === "number" ? ` (similarity ${sim.toFixed(2)})` : ""}`;
      meta.append(dup);
    }
    article.append(meta);

    if (item.lead) article.append(el("p", "lead", item.lead));
    article.append(chipsElement(item));
    if (item.quotes && item.quotes.length) article.append(quotesElement(item.quotes));
    const body = el("div", "body");
    body.hidden = true;
    article.append(body);
    return article;
  }

  // Python counts offsets in code points, JavaScript strings in UTF-16 units: map one to the other.
  function codePointIndex(text) {
    if (!/[\uD800-\uDFFF]/.test(text)) return (i) => i;
    const units = [];
    let unit = 0;
    for (const ch of text) {
      units.push(unit);
      unit += ch.length;
    }
    units.push(unit);
    return (i) => units[Math.min(Math.max(i, 0), units.length - 1)];
  }

  function fillBody(box, item) {
    const text = String(item.body || "");
    const at = codePointIndex(text);
    const spans = [];
    const kinds = [["person", item.persons], ["org", item.organizations], ["place", item.locations]];
    for (const [kind, list] of kinds) {
      for (const entity of list || []) {
        for (const pair of entity.offsets || []) {
          const start = at(pair[0]);
          const end = at(pair[1]);
          if (end > start && end <= text.length) spans.push({ start, end, kind, name: entity.name });
        }
      }
    }
    spans.sort((a, b) => a.start - b.start || b.end - a.end);
    const frag = document.createDocumentFragment();
    let pos = 0;
    for (const span of spans) {
      if (span.start < pos) continue; // overlaps the mention before it
      if (span.start > pos) frag.append(document.createTextNode(text.slice(pos, span.start)));
      const mark = el("mark", span.kind, text.slice(span.start, span.end));
      mark.title = `${KINDS[span.kind]}: ${span.name}`;
      frag.append(mark);
      pos = span.end;
    }
    if (pos < text.length) frag.append(document.createTextNode(text.slice(pos)));
    box.replaceChildren(frag);
  }

  function toggleBody(headline) {
    const article = headline.closest(".item");
    const record = article && state.byArticle.get(article.dataset.articleId);
    if (!record) return;
    const body = article.querySelector(".body");
    const open = body.hidden;
    if (open && !body.hasChildNodes()) fillBody(body, record.item);
    body.hidden = !open;
    article.classList.toggle("open", open);
    headline.setAttribute("aria-expanded", String(open));
  }

  // ---- the list: de-duplicated, newest first, capped ---------------------------------------------------
  function receive(items) {
    for (const item of items) {
      if (!item || typeof item.article_id !== "string") continue;
      if (item.id) {
        if (state.seenIds.has(item.id)) continue;
        state.seenIds.add(item.id);
        const key = entryKey(item.id);
        if (key && (!state.lastId || compareKeys(key, entryKey(state.lastId)) > 0)) state.lastId = item.id;
      }
      if (state.byArticle.has(item.article_id)) continue; // the same article again (a replay): shown once
      const key = itemKey(item);
      const record = { key, id: item.id || null, articleId: item.article_id, item, el: null, facets: facetsOf(item) };
      record.el = renderItem(item, key);
      state.byArticle.set(item.article_id, record);
      state.pending.push(record);
    }
  }

  function scheduleFlush() {
    if (state.flushScheduled) return;
    state.flushScheduled = true;
    // A hidden tab gets no animation frames: a timer keeps the page current there too.
    if (document.hidden) setTimeout(flush, 250);
    else requestAnimationFrame(flush);
  }

  function insertOne(record) {
    const records = state.records;
    let lo = 0;
    let hi = records.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(records[mid].key, record.key) > 0) lo = mid + 1;
      else hi = mid;
    }
    feed.insertBefore(record.el, lo < records.length ? records[lo].el : null);
    records.splice(lo, 0, record);
  }

  function flush() {
    state.flushScheduled = false;
    if (!state.pending.length) return;
    const batch = state.pending.sort((a, b) => compareKeys(b.key, a.key));
    state.pending = [];
    const visible = state.filters.length ? matcher() : null;
    for (const record of batch) {
      if (visible && !visible(record)) record.el.classList.add("filtered-out");
      countLanguage(record.facets.lang);
    }
    const records = state.records;
    const newest = records.length ? records[0].key : null;
    let split = 0;
    while (split < batch.length && (newest === null || compareKeys(batch[split].key, newest) > 0)) split++;
    if (split) {
      const frag = document.createDocumentFragment();
      for (let i = 0; i < split; i++) frag.append(batch[i].el);
      feed.insertBefore(frag, feed.firstChild);
      state.records = batch.slice(0, split).concat(records);
    }
    for (let i = split; i < batch.length; i++) insertOne(batch[i]);
    enforceCap();
    updateCounts();
  }

  function enforceCap() {
    const records = state.records;
    if (records.length <= CAP) return;
    while (records.length > CAP) {
      const old = records.pop();
      old.el.remove();
      state.byArticle.delete(old.articleId);
      uncountLanguage(old.facets.lang);
    }
    state.capped = true;
    $("older").hidden = true;
    const note = $("capped");
    note.textContent = `Showing the newest ${CAP.toLocaleString("en")} articles: older ones leave the page as new ones arrive (search still finds them in the database).`;
    note.hidden = false;
  }

  function updateCounts() {
    $("count").textContent = String(state.records.length);
    $("count-unit").textContent = state.records.length === 1 ? "article" : "articles";
    $("empty").hidden = state.records.length > 0;
    const shown = $("shown");
    if (state.filters.length) {
      let n = 0;
      for (const r of state.records) if (!r.el.classList.contains("filtered-out")) n++;
      shown.textContent = `${n} shown`;
      shown.hidden = false;
    } else {
      shown.hidden = true;
    }
  }

  // ---- languages -------------------------------------------------------------------------------------
  function countLanguage(code) {
    const key = code || "";
    state.languages.set(key, (state.languages.get(key) || 0) + 1);
    scheduleLanguages();
  }

  function uncountLanguage(code) {
    const key = code || "";
    const n = (state.languages.get(key) || 1) - 1;
    if (n > 0) state.languages.set(key, n);
    else state.languages.delete(key);
    scheduleLanguages();
  }

  let languagesTimer = null;
  function scheduleLanguages() {
    if (languagesTimer === null) languagesTimer = setTimeout(renderLanguages, 300);
  }

  function renderLanguages() {
    languagesTimer = null;
    const select = $("lang");
    const current = select.value;
    const have = new Map([...select.options].map((o) => [o.value, o]));
    const codes = [...state.languages.keys()].filter((c) => c).sort();
    for (const code of codes) {
      const label = `${languageName(code)} (${state.languages.get(code)})`;
      let option = have.get(code);
      if (!option) {
        option = el("option", null, label);
        option.value = code;
        const after = [...select.options].find((o) => o.value && o.value > code);
        select.insertBefore(option, after || null);
      } else if (option.textContent !== label) {
        option.textContent = label;
      }
    }
    if (current && !have.has(current) && !state.languages.has(current)) select.value = "";
  }

  // ---- filters ---------------------------------------------------------------------------------------
  function matcher() {
    const filters = state.filters;
    return (record) => {
      const f = record.facets;
      for (const filter of filters) {
        switch (filter.kind) {
          case "person":
          case "org":
          case "place":
            if (!f[filter.kind].has(filter.key)) return false;
            break;
          case "country":
            if (!f.country.has(filter.key)) return false;
            break;
          case "lang":
            if (f.lang !== filter.key) return false;
            break;
          case "q":
            if (filter.hits && filter.hits.has(record.articleId)) break;
            if (f.text === null) f.text = `${record.item.headline}\n${record.item.body || ""}`.toLowerCase();
            if (!filter.words.every((w) => f.text.includes(w))) return false;
            break;
          default:
            break;
        }
      }
      return true;
    };
  }

  // Filtering toggles one class per article: nothing is rendered again, so it stays quick at thousands.
  function applyFilters() {
    const started = performance.now();
    const visible = state.filters.length ? matcher() : null;
    for (const record of state.records) record.el.classList.toggle("filtered-out", visible !== null && !visible(record));
    updateCounts();
    renderActiveFilters();
    state.lastFilterMs = performance.now() - started;
    // And until the browser has drawn it: the frame after this one starts once style, layout and paint are done.
    requestAnimationFrame(() => {
      requestAnimationFrame(() => {
        state.lastFilterPaintMs = performance.now() - started;
      });
    });
  }

  function setFilter(kind, value, label) {
    const key = kind === "country" ? String(value).toUpperCase() : kind === "lang" ? String(value) : String(value).toLowerCase();
    state.filters = state.filters.filter((f) => !(f.kind === kind && (kind === "lang" || kind === "q" || f.key === key)));
    if (value !== "") {
      const filter = { kind, key, label: label || String(value) };
      if (kind === "q") filter.words = key.split(/\s+/).filter((w) => w);
      state.filters.push(filter);
    }
    applyFilters();
    searchDatabase();
  }

  function removeFilter(filter) {
    state.filters = state.filters.filter((f) => f !== filter);
    if (filter.kind === "lang") $("lang").value = "";
    if (filter.kind === "q") $("q").value = "";
    applyFilters();
    searchDatabase();
  }

  function renderActiveFilters() {
    const box = $("active-filters");
    const items = state.filters.map((filter) => {
      const pill = el("span", `active-filter ${filter.kind}`);
      pill.append(el("span", "filter-kind", KINDS[filter.kind]), el("span", "filter-value", filter.label));
      const remove = el("button", "remove", "\u00d7");
      remove.type = "button";
      remove.title = `Remove the ${KINDS[filter.kind]} filter`;
      remove.setAttribute("aria-label", `Remove the ${KINDS[filter.kind]} filter ${filter.label}`);
      remove.addEventListener("click", () => removeFilter(filter));
      pill.append(remove);
      return pill;
    });
    if (state.filters.length > 1) {
      const clear = el("button", "clear-filters", "clear all");
      clear.type = "button";
      clear.addEventListener("click", () => {
        state.filters = [];
        $("lang").value = "";
        $("q").value = "";
        applyFilters();
        searchDatabase();
      });
      items.push(clear);
    }
    box.replaceChildren(...items);
  }

  // The page filters what it holds; the database also has what the page never received or let go.
  async function searchDatabase(again = 0) {
    const token = again ? state.searchToken : ++state.searchToken;
    const note = $("search-note");
    const params = new URLSearchParams();
    const api = { q: "q", lang: "lang", country: "country", person: "person", org: "org" };
    for (const filter of state.filters) {
      const name = api[filter.kind];
      if (name && !params.has(name)) params.set(name, filter.kind === "q" ? filter.label : filter.key);
    }
    if (![...params.keys()].length) {
      note.hidden = true;
      return;
    }
    params.set("limit", String(SEARCH_LIMIT));
    if (!again) {
      note.hidden = false;
      note.classList.remove("error");
      note.textContent = "Searching the database\u2026";
    }
    try {
      const answer = await getJSON(`/api/search?${params}`);
      if (token !== state.searchToken) return;
      const items = answer.items || [];
      const before = state.records.length + state.pending.length;
      const qFilter = state.filters.find((f) => f.kind === "q");
      if (qFilter && params.get("q") === qFilter.label) qFilter.hits = new Set(items.map((i) => i.article_id));
      receive(items);
      flush();
      applyFilters();
      const added = state.records.length - before;
      const total = typeof answer.count === "number" ? answer.count : items.length;
      // SQLite's word index follows the newest articles a second or so behind: those q cannot find yet.
      const unindexed = params.has("q") && typeof answer.unindexed === "number" ? answer.unindexed : 0;
      note.textContent = `Database: ${total} matching article${total === 1 ? "" : "s"}${
        added > 0 ? `, ${added} of them added from the archive` : ""
      }${total > items.length ? ` (the newest ${items.length} fetched)` : ""}.${
        unindexed > 0 ? ` ${unindexed} newest article${unindexed === 1 ? " is" : "s are"} not indexed yet.` : ""
      }`;
      if (unindexed > 0 && again < REASK_MAX) {
        // Asked again once they are likely indexed, unless the filters change meanwhile (a new token).
        setTimeout(() => {
          if (token === state.searchToken) searchDatabase(again + 1);
        }, REASK_MS);
      }
    } catch (error) {
      if (token !== state.searchToken) return;
      note.classList.add("error");
      note.textContent = `Database search failed: ${error.message}. The filter still applies to the articles on the page.`;
    }
  }

  // ---- the live feed ---------------------------------------------------------------------------------
  function setStatus(live) {
    const status = $("status");
    status.textContent = live ? "live" : "reconnecting";
    status.className = `status ${live ? "live" : "reconnecting"}`;
  }

  function connect(after) {
    if (state.source) state.source.close();
    const url = after ? `/api/events?last_id=${encodeURIComponent(after)}` : "/api/events";
    const source = new EventSource(url);
    state.source = source;
    source.onopen = () => {
      state.retryMs = 1000;
      setStatus(true);
    };
    source.onerror = () => {
      setStatus(false);
      // The browser reconnects by itself (sending Last-Event-ID) unless the server answered with an error:
      // then it gives up, and the page starts a new stream after the last entry it has.
      if (source.readyState === EventSource.CLOSED && state.source === source) {
        const delay = state.retryMs;
        state.retryMs = Math.min(state.retryMs * 2, 30000);
        setTimeout(() => {
          if (state.source === source) connect(state.lastId || after);
        }, delay);
      }
    };
    source.addEventListener("article", (event) => {
      let item;
      try {
        item = JSON.parse(event.data);
      } catch (_) {
        return;
      }
      if (!item.id && event.lastEventId) item.id = event.lastEventId;
      receive([item]);
      scheduleFlush();
    });
    source.addEventListener("skipped", () => {
      state.skipped++;
    });
    // The server could not resume where the page asked (an unknown id): fetch the newest to fill the gap.
    source.addEventListener("reset", () => {
      loadFeed(null).catch(() => {});
    });
  }

  async function loadFeed(before) {
    const params = new URLSearchParams({ limit: String(FEED_PAGE) });
    if (before) params.set("before", before);
    const answer = await getJSON(`/api/feed?${params}`);
    const items = answer.items || [];
    // "next" is where older entries go on (null at the start of the stream); only the first page sets it
    // when the page has not paged back yet, and every older page moves it on.
    if (before || state.oldestId === null) state.oldestId = answer.next || "";
    receive(items);
    flush();
    $("older").hidden = state.capped || !state.oldestId;
    return answer;
  }

  async function start() {
    try {
      const answer = await loadFeed(null);
      // Resume right after the newest entry the feed had, so nothing that lands between the two requests
      // is missed or shown twice; "0-0" (the start of the stream) when the stream was empty.
      connect(answer.newest || state.lastId || "0-0");
    } catch (error) {
      setStatus(false);
      $("empty").textContent = `The feed cannot be read (${error.message}); trying again\u2026`;
      setTimeout(start, state.retryMs);
      state.retryMs = Math.min(state.retryMs * 2, 30000);
    }
  }

  // ---- health ----------------------------------------------------------------------------------------
  const STAGES = [
    ["raw", "ingest", "files published to articles:raw"],
    ["stored", "store", "articles stored and passed on"],
    ["enriched", "enrich", "articles enriched"],
    ["dead", "dead letters", "rejected, with a reason"],
  ];
  const series = { raw: [], stored: [], enriched: [], dead: [], p50: [], p95: [], p99: [], backlog: [] };
  const charts = {};
  let previousStats = null;

  function chartBox(id, title, description, lines) {
    const box = el("div", `chart chart-${id}`);
    box.title = description;
    const head = el("div", "chart-head");
    const value = el("span", "chart-value", "\u2013");
    const peak = el("span", "chart-peak");
    const name = el("span", "chart-title", title);
    name.append(peak);
    head.append(name, value);
    const plot = svg("svg", { class: "spark", viewBox: "0 0 240 40", preserveAspectRatio: "none", "aria-hidden": "true" });
    plot.append(svg("line", { class: "baseline", x1: 0, y1: 39.5, x2: 240, y2: 39.5 }));
    const area = lines.length === 1 ? svg("polygon", { class: `area ${lines[0]}`, points: "" }) : null;
    if (area) plot.append(area);
    const polylines = lines.map((line) => {
      const poly = svg("polyline", { class: `line ${line}`, points: "" });
      plot.append(poly);
      return poly;
    });
    box.append(head, plot);
    if (lines.length > 1) {
      const legend = el("div", "legend");
      for (const line of lines) legend.append(el("span", `key ${line}`, line));
      box.append(legend);
    }
    $("health-charts").append(box);
    charts[id] = { value, polylines, area, peak };
  }

  function buildCharts() {
    for (const [stream, title, description] of STAGES) chartBox(stream, title, `${description}, per second`, [stream]);
    chartBox("latency", "drop \u2192 enriched", "latency from a file's drop to its enriched event: p50, p95, p99", ["p50", "p95", "p99"]);
    chartBox("backlog", "backlog", "entries the consumer groups have not read (lag) or not acknowledged (pending)", ["backlog"]);
  }

  // The lines of a chart, scaled to the highest value it shows; returns that value.
  function draw(id, lists) {
    const chart = charts[id];
    let top = 0;
    for (const list of lists) for (const v of list) if (v !== null && v > top) top = v;
    const max = top > 0 ? top * 1.1 : 1;
    lists.forEach((list, i) => {
      const step = 240 / (HISTORY - 1);
      const offset = HISTORY - list.length;
      const points = [];
      list.forEach((v, j) => {
        if (v === null) return;
        points.push(`${((offset + j) * step).toFixed(1)},${(39 - (v / max) * 37).toFixed(1)}`);
      });
      chart.polylines[i].setAttribute("points", points.join(" "));
      if (chart.area && points.length) {
        const firstX = points[0].split(",")[0];
        const lastX = points[points.length - 1].split(",")[0];
        chart.area.setAttribute("points", `${firstX},40 ${points.join(" ")} ${lastX},40`);
      }
    });
    return top;
  }

  function push(list, value) {
    list.push(value);
    if (list.length > HISTORY) list.shift();
  }

  function rate(value) {
    return value >= 10 ? value.toFixed(0) : value.toFixed(1);
  }

  function ms(value) {
    return typeof value === "number" ? `${value >= 100 ? value.toFixed(0) : value.toFixed(1)}` : "\u2013";
  }

  function showStats(stats) {
    const streams = stats.streams || {};
    for (const [stream] of STAGES) {
      const now = streams[stream] || {};
      let perSecond = null;
      if (previousStats) {
        const before = (previousStats.streams || {})[stream] || {};
        const seconds = stats.at - previousStats.at;
        // Trimming shortens a stream: a negative difference is not a negative rate.
        if (seconds > 0) perSecond = Math.max(0, ((now.length || 0) - (before.length || 0)) / seconds);
      }
      push(series[stream], perSecond);
      const top = draw(stream, [series[stream]]);
      charts[stream].peak.textContent = top > 0 ? ` \u00b7 peak ${rate(top)}/s` : "";
      charts[stream].value.textContent = perSecond === null ? `${now.length || 0} in stream` : `${rate(perSecond)}/s`;
    }
    $("dead-total").textContent = String((streams.dead && streams.dead.length) || 0);

    const latency = stats.latency_ms || {};
    for (const p of ["p50", "p95", "p99"]) push(series[p], typeof latency[p] === "number" ? latency[p] : null);
    draw("latency", [series.p50, series.p95, series.p99]);
    charts.latency.value.textContent = latency.n ? `${ms(latency.p50)} / ${ms(latency.p95)} / ${ms(latency.p99)} ms` : "no data yet";

    const groups = stats.groups || [];
    let backlog = 0;
    const rows = groups.map((g) => {
      backlog += (g.lag || 0) + (g.pending || 0);
      const tr = el("tr");
      const name = el("td", "group", g.group);
      name.title = g.stream;
      tr.append(name, el("td", "num", g.lag === null || g.lag === undefined ? "?" : g.lag), el("td", "num", g.pending));
      return tr;
    });
    push(series.backlog, backlog);
    const top = draw("backlog", [series.backlog]);
    charts.backlog.peak.textContent = top > 0 ? ` \u00b7 peak ${top}` : "";
    charts.backlog.value.textContent = `${backlog}`;
    $("groups").tBodies[0].replaceChildren(...rows);

    const note = $("health-note");
    note.classList.remove("error");
    note.textContent = `Updated ${clockTime(stats.at * 1000)}${state.skipped ? ` \u00b7 ${state.skipped} malformed entries skipped` : ""}`;
    const deadBefore = previousStats && previousStats.streams && previousStats.streams.dead;
    if (deadBefore && streams.dead && streams.dead.last_id !== deadBefore.last_id) loadDead();
    previousStats = stats;
  }

  async function pollStats() {
    try {
      showStats(await getJSON("/api/stats"));
    } catch (error) {
      const note = $("health-note");
      note.classList.add("error");
      note.textContent = `Statistics unavailable: ${error.message}`;
    }
    setTimeout(pollStats, STATS_EVERY_MS);
  }

  // ---- dead letters ----------------------------------------------------------------------------------
  const requeued = new Map(); // dead letter id -> what the requeue answered

  function deadItem(letter, admin) {
    const li = el("li", "dead-item");
    li.dataset.id = letter.id;
    const head = el("div", "dead-head");
    head.append(el("span", "reason", letter.reason || "unknown"), el("span", "stage", letter.stage || "?"));
    const when = entryKey(letter.id);
    if (when) {
      const time = el("time", "dead-time", clockTime(when[0]));
      time.dateTime = new Date(when[0]).toISOString();
      time.title = time.dateTime;
      head.append(time);
    }
    li.append(head);
    if (letter.source_name) li.append(el("div", "dead-source", letter.source_name));
    if (letter.detail) li.append(el("div", "detail", letter.detail));
    const result = el("div", "requeue-result");
    const done = requeued.get(letter.id);
    if (done) {
      result.textContent = done.text;
      result.classList.toggle("error", !done.ok);
      li.classList.toggle("requeued", done.ok);
    }
    if (admin) {
      const button = el("button", "requeue", done && done.ok ? "Requeued" : "Requeue");
      button.type = "button";
      button.disabled = Boolean(done && done.ok);
      button.title = "Put it back into the pipeline (as `newswire requeue` does)";
      button.addEventListener("click", () => requeue(letter.id, button, result, li));
      li.append(button);
    }
    li.append(result);
    return li;
  }

  async function requeue(id, button, result, li) {
    button.disabled = true;
    button.textContent = "Requeuing\u2026";
    let outcome;
    try {
      const answer = await getJSON(`/api/dead/${encodeURIComponent(id)}/requeue`, {
        method: "POST",
        headers: { "X-Newswire-Requeue": "1" },
      });
      outcome = { ok: Boolean(answer && answer.ok), text: (answer && answer.detail) || "requeued" };
    } catch (error) {
      outcome = { ok: false, text: `Not requeued: ${error.message}` };
    }
    requeued.set(id, outcome);
    result.textContent = outcome.text;
    result.classList.toggle("error", !outcome.ok);
    li.classList.toggle("requeued", outcome.ok);
    button.textContent = outcome.ok ? "Requeued" : "Requeue";
    button.disabled = outcome.ok;
  }

  let deadTimer = null;
  async function loadDead() {
    clearTimeout(deadTimer);
    try {
      const answer = await getJSON("/api/dead?limit=50");
      const items = answer.items || [];
      $("dead").replaceChildren(...items.map((letter) => deadItem(letter, Boolean(answer.admin))));
      const note = $("dead-note");
      note.classList.remove("error");
      note.textContent = items.length
        ? answer.admin
          ? "Fix the cause (the file in the error folder), then requeue."
          : "Requeue is off: start newswire with NEWSWIRE_WEB_ADMIN=1 to requeue from here."
        : "None: everything dropped so far was processed.";
    } catch (error) {
      const note = $("dead-note");
      note.classList.add("error");
      note.textContent = `Dead letters unavailable: ${error.message}`;
    }
    deadTimer = setTimeout(loadDead, DEAD_EVERY_MS);
  }

  // ---- wiring ----------------------------------------------------------------------------------------
  feed.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const chipButton = target.closest("button.chip");
    if (chipButton) {
      const kind = chipButton.dataset.kind;
      setFilter(kind, chipButton.dataset.value, kind === "country" ? chipButton.dataset.value : chipButton.textContent);
      return;
    }
    const headline = target.closest(".headline");
    if (headline) toggleBody(headline);
  });
  feed.addEventListener("keydown", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.classList.contains("headline") && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      toggleBody(target);
    }
  });
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    setFilter("q", $("q").value.trim());
  });
  $("q").addEventListener("search", () => {
    // The clear button of a search field: an empty field ends the text filter.
    if (!$("q").value && state.filters.some((f) => f.kind === "q")) setFilter("q", "");
  });
  $("lang").addEventListener("change", () => {
    const code = $("lang").value;
    setFilter("lang", code, code ? code.toUpperCase() : "");
  });
  $("older").addEventListener("click", () => {
    const button = $("older");
    button.disabled = true;
    loadFeed(state.oldestId)
      .catch((error) => {
        button.textContent = `Could not load older articles (${error.message}); try again`;
      })
      .finally(() => {
        button.disabled = false;
      });
  });

  // For people and tests looking in from the console.
  window.newswire = {
    get source() {
      return state.source;
    },
    get lastId() {
      return state.lastId;
    },
    get lastFilterMs() {
      return state.lastFilterMs;
    },
    get lastFilterPaintMs() {
      return state.lastFilterPaintMs;
    },
    disconnect() {
      if (state.source) state.source.close();
      state.source = null;
      setStatus(false);
    },
    reconnect() {
      connect(state.lastId || "0-0");
    },
  };

  buildCharts();
  start();
  pollStats();
  loadDead();
})();
