"""The shell in German and French (README, "Languages"): the base layout, the error pages, the admin, and the
language switch of people who are not signed in (Django's set_language, without JavaScript)."""

import re

import pytest
from django.conf import settings
from django.utils import translation

from socialgov.testing.languages import back_to_the_site_language, compiled_catalogues  # noqa: F401

pytestmark = pytest.mark.django_db


def _nav(page: str) -> str:
    start = page.index('<nav aria-label="')
    return page[start : page.index("</nav>", start)]


@pytest.mark.parametrize(
    ("language", "expected", "english"),
    [
        (
            "de",
            ["Meine Arbeit", "Meine Beiträge", "Prüfwarteschlange", "Abteilungen", "Berichte", "Abmelden"],
            "My posts",
        ),
        (
            "fr",
            ["Mon travail", "Mes publications", "File de relecture", "Services", "Rapports", "Se déconnecter"],
            "My posts",
        ),
    ],
)
def test_the_base_layout_speaks_the_person_s_language(client, employee, language, expected, english):
    employee.language = language
    employee.save(update_fields=["language"])
    client.force_login(employee)

    page = client.get("/").content.decode()

    assert f'<html lang="{language}">' in page
    nav = _nav(page)
    for word in expected:
        assert word in page, word
    assert english not in nav
    assert ("Zum Inhalt springen" if language == "de" else "Aller au contenu") in page
    # the bell's name is its visible text, in the language
    bell = page[page.index('class="bell"') : page.index("</a>", page.index('class="bell"'))]
    assert ("Benachrichtigungen" if language == "de" else "Notifications") in bell


def test_an_english_page_says_so(client, employee):
    client.force_login(employee)
    assert '<html lang="en-gb">' in client.get("/").content.decode()


def test_the_not_found_page_in_german(client, employee):
    employee.language = "de"
    employee.save(update_fields=["language"])
    client.force_login(employee)

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    page = response.content.decode()
    assert '<html lang="de">' in page
    assert "<h1>Nicht gefunden</h1>" in page
    assert "Hier gibt es nichts, oder Sie dürfen es nicht sehen." in page
    assert "Zurück zu meiner Arbeit" in page


def test_the_server_error_page_renders_without_a_request_in_the_active_language():
    from django.template import loader

    with translation.override("fr"):
        page = loader.render_to_string("500.html")  # as Django's server_error renders it: no request context
    assert '<html lang="fr">' in page and "Une erreur s’est produite" in page


def test_a_visitor_not_signed_in_switches_the_sign_in_page_to_french_without_javascript(client):
    # given: the sign-in page in English, with the switch in its footer (a plain form: no script needed)
    english = client.get("/accounts/login/").content.decode()
    assert "Sign in to socialgov" in english
    form = re.search(r'<form class="language-switch" method="post" action="([^"]+)">(.*?)</form>', english, re.S)
    assert form is not None and form.group(1) == "/i18n/setlang/"
    assert 'name="next" value="/accounts/login/"' in form.group(2)
    assert '<option value="fr" lang="fr">français</option>' in form.group(2)

    # when: they choose French and submit (what the form posts)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/login/"})

    # then: back on the sign-in page, now in French, and it stays so (Django's language cookie)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    french = client.get("/accounts/login/").content.decode()
    assert '<html lang="fr">' in french
    assert "Se connecter à socialgov" in french and "Sign in to socialgov" not in french
    assert '<option value="fr" lang="fr" selected>français</option>' in french


def test_the_switch_is_for_visitors_only_and_leads_nowhere_else(client, employee):
    # signed in: the profile's choice (accounts:language), not the footer's switch
    client.force_login(employee)
    assert 'class="language-switch"' not in client.get("/").content.decode()
    client.logout()
    # a next that leads off the site is not followed
    response = client.post("/i18n/setlang/", {"language": "de", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_an_admin_changelist_in_german_shows_translated_columns_and_actions(client, superuser, employee):
    superuser.language = "de"
    superuser.save(update_fields=["language"])
    client.force_login(superuser)

    page = client.get("/admin/accounts/user/").content.decode()

    assert '<html lang="de"' in page
    # an action of accounts/admin.py, and the columns (the model's verbose names)
    assert '<option value="reactivate">Ausgewählte Personen reaktivieren</option>' in page
    assert "Vollständiger Name" in page and "Deaktiviert am" in page
    assert "Reactivate selected people" not in page and "Full name" not in page


def test_the_picker_script_s_words_come_from_the_page_in_the_reader_s_language(client, auditor):
    auditor.language = "fr"
    auditor.save(update_fields=["language"])
    client.force_login(auditor)

    page = client.get("/audit/").content.decode()

    # static/js/picker.js reads them: whole sentences, the count put in place of {count}
    assert 'data-picker-none="Aucun résultat."' in page
    assert 'data-picker-one="1 suggestion ; flèche vers le bas pour choisir."' in page
    assert 'data-picker-many="{count} suggestions ; flèche vers le bas pour choisir."' in page
