// lightproof viewer: glue between the page and viewer.wasm, which does all the
// cryptography. Every string from the manifest is untrusted: it only ever
// reaches the page through textContent and properties, never as markup.
//
// Written as parts (themes/default/static/viewer/*.js, joined in name order
// by src/site.rs into this one classic script): the parts share the scope
// of this one function, and what changes as the viewer runs is in `session`.
(function () {
  'use strict';

