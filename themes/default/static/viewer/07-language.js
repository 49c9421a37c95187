
  // ---------------------------------------------------------------- language
  // The viewer speaks the first of the browser's languages it has
  // (navigator.languages), else English; the client can switch at any time
  // (the selects marked data-language), and the page changes at once. The
  // choice lasts as long as the tab (sessionStorage; nothing from the shoot).
  // The page's elements name their words with data-i18n (text) and
  // data-i18n-<attribute>; what the script writes goes through `say`, which
  // remembers the message so that a switch can write it again.
  const LANGUAGE_SLOT = 'lightproof-language';
  const I18N_ATTRIBUTES = ['aria-label', 'title', 'placeholder', 'alt'];
  const SAID = Symbol('said'); // on an element: { text | attribute: message }
  const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  let language = chooseLanguage();

  function chooseLanguage() {
    let kept = null;
    try { kept = sessionStorage.getItem(LANGUAGE_SLOT); } catch (e) { /* no storage */ }
    if (kept && has(STRINGS, kept)) return kept;
    const asked = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    for (const tag of asked) {
      const base = String(tag || '').toLowerCase().split('-')[0];
      if (has(STRINGS, base)) return base;
    }
    return 'en';
  }

  // A message: a catalogue key and its parameters. A parameter is a string
  // (shown as it is: a file name, a caption), a number (in the language's
  // digits), a message, a function of the language (dates, sizes) or a Node
  // (a link, placed where its placeholder is).
  const msg = (key, params) => ({ key, params: params || {} });

  // The text of `key` in the chosen language, its placeholders filled.
  function tr(key, params = {}) {
    return fillIn(template(key, params), params).join('');
  }
  function template(key, params) {
    const table = has(STRINGS[language], key) ? STRINGS[language] : STRINGS.en;
    const text = table[key];
    if (typeof text !== 'object') return text === undefined ? key : text;
    return text[new Intl.PluralRules(language).select(params.count)] || text.other;
  }
  // The template's pieces, parameters put in: strings and Nodes.
  function fillIn(text, params) {
    return text.split(/(\{\w+\})/).filter(Boolean).map((piece) => {
      const name = /^\{(\w+)\}$/.exec(piece);
      return name && has(params, name[1]) ? paramText(params[name[1]]) : piece;
    });
  }
  function paramText(v) {
    if (typeof v === 'number') return new Intl.NumberFormat(language).format(v);
    if (typeof v === 'function') return v(language);
    if (v instanceof Node) return v;
    if (v && typeof v === 'object') return tr(v.key, v.params);
    return String(v);
  }

  // Writes message `m` (or a plain string, or '' to clear) as `el`'s text,
  // or as its attribute `attr`, and remembers it for a switch.
  function say(el, m, attr = 'text') {
    const said = el[SAID] || (el[SAID] = {});
    if (typeof m === 'string') delete said[attr];
    else said[attr] = m;
    write(el, attr, m);
  }
  function write(el, attr, m) {
    if (attr !== 'text') {
      el.setAttribute(attr, typeof m === 'string' ? m : tr(m.key, m.params));
    } else if (typeof m === 'string') {
      el.textContent = m;
    } else {
      el.replaceChildren(...fillIn(template(m.key, m.params), m.params));
    }
  }

  // Every text of the page in the chosen language: the marked elements,
  // then what the script said.
  function translatePage() {
    document.documentElement.lang = language;
    document.title = tr('page.title');
    for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = tr(e.dataset.i18n);
    for (const attr of I18N_ATTRIBUTES) {
      for (const e of document.querySelectorAll(`[data-i18n-${attr}]`)) e.setAttribute(attr, tr(e.getAttribute(`data-i18n-${attr}`)));
    }
    for (const e of document.querySelectorAll('*')) {
      if (!e[SAID]) continue;
      for (const [attr, m] of Object.entries(e[SAID])) write(e, attr, m);
    }
    for (const select of document.querySelectorAll('select[data-language]')) select.value = language;
  }
  function switchLanguage(chosen) {
    if (!has(STRINGS, chosen) || chosen === language) return;
    language = chosen;
    try { sessionStorage.setItem(LANGUAGE_SLOT, chosen); } catch (e) { /* for this page only */ }
    translatePage();
  }
  // The switches: each language by its own name, in its own language.
  function fillLanguageSwitches() {
    for (const select of document.querySelectorAll('select[data-language]')) {
      select.replaceChildren(...Object.entries(LANGUAGE_NAMES).map(([code, name]) => {
        const option = el('option', '', name);
        option.value = code;
        option.lang = code;
        return option;
      }));
      select.addEventListener('change', () => switchLanguage(select.value));
      select.closest('[data-language-switch]').hidden = false;
    }
  }
