"""Admin CLI: create-user (--org / --site), create-org, import-sites, categories, canned answers."""
from __future__ import annotations

from sqlmodel import select

from tracker.cases.models import CannedAnswer, Category
from tracker.organisations.models import Organisation, Site, SiteHost
from tracker.users.models import User
from tracker.users.operations import verify_password


def test_create_user_with_site_joins_that_sites_organiser(runner, world, session):
    result = runner.invoke(args=["create-user", "--email", "New@Example.gov.cn", "--password", "long enough pw",
                                 "--role", "organiser", "--site", world.site_b.code])
    assert result.exit_code == 0, result.output
    user = session.exec(select(User).where(User.email == "new@example.gov.cn")).one()
    assert user.organisation_id == world.org_b.id
    assert user.password_hash.startswith("$argon2") and verify_password(user, "long enough pw")


def test_create_user_with_org_and_refusals(runner, world, session):
    ok = runner.invoke(args=["create-user", "--email", "sup@example.gov.cn", "--password", "long enough pw",
                             "--role", "supervisor", "--org", "440000"])
    assert ok.exit_code == 0, ok.output
    wrong_kind = runner.invoke(args=["create-user", "--email", "x@example.gov.cn", "--password", "long enough pw",
                                     "--role", "supervisor", "--org", world.org_a.code])
    assert wrong_kind.exit_code != 0 and "supervisor organisation" in wrong_kind.output
    no_site = runner.invoke(args=["create-user", "--email", "y@example.gov.cn", "--password", "long enough pw",
                                  "--role", "organiser", "--site", "0000000000"])
    assert no_site.exit_code != 0 and "no site" in no_site.output
    assert session.exec(select(User).where(User.email.in_(["x@example.gov.cn", "y@example.gov.cn"]))).all() == []


def test_create_org_and_import_sites(runner, world, session, tmp_path):
    result = runner.invoke(args=["create-org", "--code", "440600FS", "--name", "佛山市", "--kind", "organiser",
                                 "--parent", "440000"])
    assert result.exit_code == 0, result.output
    org = session.exec(select(Organisation).where(Organisation.code == "440600FS")).one()
    assert org.path == "/440000/440600FS/"

    csv_file = tmp_path / "sites.csv"
    csv_file.write_text("code,name,organiser_code,supervisor_code,hosts\n"
                        "4406000001,佛山市人民政府,440600FS,440000,www.foshan.gov.cn;fs.gd.gov.cn/zw\n"
                        f"{world.site_a.code},广州,440100GZ,440000,gz2.gov.cn\n", encoding="utf-8")
    result = runner.invoke(args=["import-sites", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "created 1 sites, updated 1" in result.output
    site = session.exec(select(Site).where(Site.code == "4406000001")).one()
    hosts = {(h.host, h.path_prefix) for h in session.exec(select(SiteHost).where(SiteHost.site_id == site.id))}
    assert ("www.foshan.gov.cn", "") in hosts and len(hosts) == 2

    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,organiser_code,supervisor_code,hosts\n4406000002,x,NOPE,440000,a.gov.cn\n")
    result = runner.invoke(args=["import-sites", str(bad)])
    assert result.exit_code != 0 and "line 2" in result.output
    assert session.exec(select(Site).where(Site.code == "4406000002")).first() is None


def test_categories_and_canned_answers(runner, world, session):
    assert runner.invoke(args=["create-category", "--code", "40", "--name-zh", "无障碍问题",
                               "--name-en", "Accessibility"]).exit_code == 0
    assert session.get(Category, 40).name_en == "Accessibility"
    result = runner.invoke(args=["add-canned-answer", "--category", "40", "--title", "已修复",
                                 "--body", "您反映的问题已修复，感谢监督。"])
    assert result.exit_code == 0, result.output
    assert session.exec(select(CannedAnswer).where(CannedAnswer.category_code == 40)).one().title == "已修复"
