/* Django 5.2's admin scripts (SelectFilter2.js, the "available / chosen" picker) ask for these
   words, and Django's own Simplified Chinese has not caught up with them. Marked here so that
   makemessages puts them in our djangojs catalogue, which the admin's /admin/jsi18n/ merges over
   Django's (LOCALE_PATHS come last and win). No page loads this file; config/third_party_words.py
   does the same for the server's strings. */
void [
  gettext("(click to clear)"),
  gettext('Choose %s by selecting them and then select the "Choose" arrow button.'),
  gettext("Choose all %s"),
  gettext("Choose selected %s"),
  gettext('Remove %s by selecting them and then select the "Remove" arrow button.'),
  gettext("Remove all %s"),
  gettext("Remove selected %s"),
];
