def test_dashboard_lists_cohorts_for_admin(world, sign_in):
    client = sign_in(world.admin)
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert "AI Accelerator — Cohort 1" in response.text
