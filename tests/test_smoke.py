def test_dashboard_after_login(world, login):
    s = login(world.emails["administrator"])
    page = s.get("/").get_data(as_text=True)
    assert "Dashboard" in page
