def test_sign_in_errors(api):
    res = api.post("/api/auth/token", json={"username": "clerk", "password": "wrong"})
    assert res.status_code == 401 and res.get_json()["message"] == "用户名或密码错误"
    assert api.post("/api/auth/token", json={"username": "clerk"}).status_code == 422
    assert api.get("/api/tasks", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_task_detail_includes_the_form_and_instructions(api):
    case_no = api.new_case()["case_no"]
    task = api.open_task(case_no, "receive")
    detail = api.get(f"/api/tasks/{task['id']}", "clerk").get_json()
    fields = {fld["name"]: fld for fld in detail["form"]["fields"]}
    assert fields["outcome"]["type"] == "choice" and fields["outcome"]["required"] is True
    assert {o["value"] for o in fields["outcome"]["options"]} == {"accept", "correct", "reject"}
    assert detail["instructions"] and detail["case_no"] == case_no
    english = api.get(f"/api/tasks/{task['id']}?lang=en", "clerk").get_json()
    assert {f["name"]: f for f in english["form"]["fields"]}["outcome"]["label"] == "Intake outcome"


def test_unknown_things_are_404_json(api):
    assert api.get("/api/cases/XK-0000-999999", "clerk").status_code == 404
    assert api.post("/api/tasks/nope/claim", "clerk").status_code == 404
    assert api.get("/api/nothing-here", "clerk").get_json()["error"] == "not_found"


def test_service_items_and_openapi(api):
    items = api.get("/api/service-items", "clerk").get_json()["items"]
    assert {i["code"] for i in items} == {"XK-001", "XK-002", "XK-003", "XK-004", "ZX-TS",
                                            "XK-002-BG", "XK-002-YX", "XK-002-ZX", "XK-CX"}
    doc = api.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/api/tasks/{task_id}/complete" in doc["paths"]
    assert "Case" in doc["components"]["schemas"]


def test_task_list_reads_roles_and_paging(api):
    for _ in range(3):
        api.new_case()
    tasks = api.get("/api/tasks?limit=2", "clerk").get_json()["tasks"]
    assert len(tasks) == 2 and all(t["name"] == "receive" for t in tasks)
    assert api.get("/api/tasks", "legal").get_json()["tasks"] == []
    assert api.get("/api/tasks?scope=everything", "clerk").status_code == 422


def test_cli_drives_a_case(app, api):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["cases", "new", "--as", "clerk", "--item", "XK-002", "--applicant", "张三",
                              "--type", "natural_person"])
    assert out.exit_code == 0, out.output
    case_no = out.output.split()[0]
    task = api.open_task(case_no, "receive")
    bad = runner.invoke(args=["tasks", "complete", task["id"], "--as", "reviewer", "--data", '{"outcome":"accept"}'])
    assert bad.exit_code == 1 and "403" in bad.output
    ok = runner.invoke(args=["tasks", "complete", task["id"], "--as", "clerk", "--data",
                             '{"outcome":"accept","materials_complete":true}'])
    assert ok.exit_code == 0 and "review" in ok.output
    shown = runner.invoke(args=["cases", "show", case_no, "--as", "clerk"])
    assert "reviewing" in shown.output


def test_cli_task_lists_scope_like_the_web_and_the_api(app, api):
    """"available" is open to my roles and claimed by nobody; "--mine" is what I claimed."""
    claimed, unclaimed = api.new_case()["case_no"], api.new_case()["case_no"]
    for case_no in (claimed, unclaimed):
        api.complete(case_no, "receive", "clerk", {"outcome": "accept", "materials_complete": True})
    task = api.open_task(claimed, "review")
    assert api.post(f"/api/tasks/{task['id']}/claim", "reviewer").status_code == 200
    runner = app.test_cli_runner()
    available = runner.invoke(args=["tasks", "list", "--as", "reviewer2"]).output
    assert unclaimed in available and claimed not in available
    mine = runner.invoke(args=["tasks", "list", "--as", "reviewer", "--mine"]).output
    assert claimed in mine and unclaimed not in mine
    api_available = api.get("/api/tasks", "reviewer2").get_json()["tasks"]
    assert {t["case_no"] for t in api_available} == {unclaimed}


def test_the_packages_register_every_table_the_migrations_create(ctx):
    """No central list of models: each package registers its own tables, and together they are the schema
    the migrations build (the tests' cleanup and Alembic rely on it)."""
    from sqlalchemy import inspect

    from app.extensions import db
    assert set(db.metadata.tables) == set(inspect(db.engine).get_table_names()) - {"alembic_version"}
