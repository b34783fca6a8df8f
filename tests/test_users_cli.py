"""Creating accounts from the command line (the first admin of a deployment)."""
def test_users_create_command(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "new@test.example", "--name", "New Person",
                                 "--role", "library_staff", "--org", str(world.orgs["library"].id),
                                 "--password", "a-long-password-1"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["users", "create", "--email", "new@test.example", "--name", "X", "--role", "admin",
                                "--password", "a-long-password-1"])
    assert again.exit_code != 0 and "already has an account" in again.output
    no_org = runner.invoke(args=["users", "create", "--email", "b@test.example", "--name", "B", "--role", "viewer",
                                 "--password", "a-long-password-1"])
    assert no_org.exit_code != 0 and "Choose the organisation(s) this person works for" in no_org.output
