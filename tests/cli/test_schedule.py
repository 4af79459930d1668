"""``schedule``: scheduled copies kept in the lab, run when due, once per slot."""


def test_add_list_run_remove(cli, lab, files):
    cli("backup", files[0], "--spec", "weekly", "--lab", lab)
    added = cli("schedule", "add", "nightly", "--cron", "0 2 * * *", "--lab", lab, "--json")
    assert added.code == 0, added.stderr
    assert added.json["next_run"] == "2026-11-26T02:00:00+00:00"
    assert added.json["job"]["selection"]["fewer_copies_than"] == 1
    (job,) = cli("schedule", "list", "--lab", lab, "--json").json["jobs"]
    assert (job["job"]["name"], job["due"], job["last_status"]) == ("nightly", False, None)
    nothing = cli("schedule", "run", "--lab", lab, "--json")
    assert nothing.code == 0
    assert nothing.json["ran"] == []
    ran = cli("schedule", "run", "--wait", "--lab", lab, "--json")
    assert ran.code == 0, ran.stderr
    assert ran.json["now"].startswith("2026-11-26T02:")
    (done,) = ran.json["ran"]
    assert done["name"] == "nightly"
    assert done["report"]["trigger"] == "scheduled"
    assert [o["state"] for o in done["report"]["outcomes"]] == ["committed"]
    # the same slot never runs twice
    assert cli("schedule", "run", "--lab", lab, "--json").json["ran"] == []
    (job,) = cli("schedule", "list", "--lab", lab, "--json").json["jobs"]
    assert job["last_status"] == "finished"
    assert job["next_run"] == "2026-11-27T02:00:00+00:00"
    assert cli("schedule", "remove", "nightly", "--lab", lab).code == 0
    assert cli("schedule", "list", "--lab", lab, "--json").json["jobs"] == []


def test_interval_schedules_run_as_time_passes(cli, lab, files):
    assert cli("schedule", "add", "often", "--every", "2h", "--pool", "VTL", "--lab", lab).code == 0
    cli("backup", files[0], "--spec", "weekly", "--lab", lab)
    first = cli("schedule", "run", "--lab", lab, "--json")
    assert first.json["ran"] == []  # the first slot is the moment it was added: already taken
    cli("lab", "advance", "2h", "--lab", lab)
    ran = cli("schedule", "run", "--lab", lab, "--json")
    (done,) = ran.json["ran"]
    assert len(done["report"]["outcomes"]) == 1


def test_schedule_errors(cli, lab):
    bad = cli("schedule", "add", "x", "--cron", "0 25 * * *", "--lab", lab)
    assert bad.code == 2
    assert "expression.hour" in bad.error
    both = cli("schedule", "add", "x", "--cron", "@daily", "--every", "1h", "--lab", lab)
    assert both.code == 2
    assert "exactly one of --cron and --every" in both.stderr
    assert cli("schedule", "add", "x", "--cron", "@daily", "--lab", lab).code == 0
    again = cli("schedule", "add", "x", "--every", "1h", "--lab", lab)
    assert again.code == 2
    assert "exists" in again.error
    unknown = cli("schedule", "remove", "nope", "--lab", lab)
    assert unknown.code == 2
    assert "no scheduled copy named 'nope'" in unknown.error
    zone = cli("schedule", "add", "y", "--cron", "@daily", "--tz", "Mars/Olympus", "--lab", lab)
    assert zone.code == 2
    assert "time zone" in zone.error


def test_run_without_jobs_says_so(cli, lab):
    ran = cli("schedule", "run", "--lab", lab)
    assert ran.code == 2
    assert "no scheduled copies" in ran.error
