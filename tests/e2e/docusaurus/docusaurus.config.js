// A minimal Docusaurus 3 site for the end-to-end test: a book of three small docs with the
// Lectern widget added in the one way docs/docusaurus.md tells authors to, the `scripts` entry
// below. tests/e2e/run.sh builds it with LECTERN_URL set to a running Lectern.
const lecternUrl = process.env.LECTERN_URL;
if (!lecternUrl) {
  throw new Error('LECTERN_URL must be set to the Lectern server, e.g. http://127.0.0.1:3000');
}

/** @type {import('@docusaurus/types').Config} */
module.exports = {
  title: 'Tide Pool Field Guide',
  tagline: 'What lives between the tides',
  url: process.env.SITE_URL || 'http://127.0.0.1',
  baseUrl: '/',
  onBrokenLinks: 'throw',
  i18n: { defaultLocale: 'en', locales: ['en'] },

  // The widget: one script tag. Extra keys become attributes of the <script> element.
  scripts: [{ src: lecternUrl + '/widget.js', defer: true, 'data-lectern': 'true' }],

  presets: [
    [
      'classic',
      {
        docs: { sidebarPath: undefined },
        blog: false,
        theme: { customCss: require.resolve('./src/css/custom.css') },
      },
    ],
  ],
  themeConfig: {
    navbar: {
      title: 'Tide Pool Field Guide',
      items: [{ type: 'doc', docId: 'intro', position: 'left', label: 'Guide' }],
    },
    colorMode: { defaultMode: 'light', respectPrefersColorScheme: false },
  },
};
