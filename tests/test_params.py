"""A scan run's Params (issue 15 item 7): strings are split, never iterated per character; unknown
and empty selections are errors naming the valid choices, raised before any AWS call."""

import datetime as dt

import pytest

from postureflow.accounts import Account
from postureflow.params import ParamsError, selection, split_names
from postureflow.runs import RunInfo, plan_run

ACCOUNT = Account(alias="t", account_id="123456789012", aws_conn_id="unused", regions=("us-east-1",),
                  include_services=("s3",))  # fmt: skip
ALL_REGIONS = Account(alias="a", account_id="123456789012", aws_conn_id="unused", regions=None)
BACKFILL = RunInfo("backfill__2026-10-01", dt.date(2026, 10, 1), True)


@pytest.mark.parametrize(
    "value, names",
    [
        ("us-east-1,eu-west-1", ["us-east-1", "eu-west-1"]),
        ("us-east-1 eu-west-1", ["us-east-1", "eu-west-1"]),
        (" us-east-1 , eu-west-1 ", ["us-east-1", "eu-west-1"]),
        (["us-east-1,eu-west-1", "ap-east-1"], ["us-east-1", "eu-west-1", "ap-east-1"]),
    ],
)
def test_names_are_split_on_commas_and_spaces(value, names):
    assert split_names(value) == names


def test_a_string_regions_param_is_split_not_iterated_per_character():
    # what a backfill's conf {"regions": "us-east-1,eu-west-1"} used to turn into ['u', 's', '-', ...]
    plan = plan_run(ACCOUNT, None, {"regions": "us-east-1,eu-west-1"}, BACKFILL)
    assert plan["regions"] == ["us-east-1", "eu-west-1"]
    assert selection({"regions": "us-east-1"}, ACCOUNT).regions == ["us-east-1"]


def test_all_and_missing_params_fall_back_as_declared():
    assert selection({"regions": "all"}, ACCOUNT).regions == "all"
    assert selection({}, ACCOUNT).regions == ["us-east-1"]
    assert selection({}, ALL_REGIONS).regions == "all"
    assert "s3" in selection({}, ACCOUNT).services
    assert selection({"services": "s3, iam"}, ACCOUNT).services == ["s3", "iam"]


@pytest.mark.parametrize(
    "params, says",
    [
        ({"regions": []}, "param 'regions' is empty"),
        ({"regions": ""}, "param 'regions' is empty"),
        ({"regions": ["us-moon-1"]}, "us-moon-1"),
        ({"services": []}, "param 'services' is empty"),
        ({"services": ["nosuch"]}, "unknown service(s) nosuch; known:"),
        ({"regions": 5}, "param 'regions'"),
    ],
)
def test_bad_params_are_refused_before_any_aws_call(params, says):
    class NoAws:
        def __getattr__(self, name):
            raise AssertionError("plan_run called AWS with invalid params")

    with pytest.raises(ParamsError) as err:
        plan_run(ACCOUNT, NoAws(), params, RunInfo("r", dt.date(2026, 10, 1), False))
    assert says in str(err.value)


def test_unknown_region_error_names_the_valid_choices():
    with pytest.raises(ParamsError) as err:
        selection({"regions": "us-moon-1"}, ACCOUNT)
    assert "known:" in str(err.value) and "eu-west-1" in str(err.value) and "me-central-1" in str(err.value)


def test_checks_list_refuses_an_unknown_service_naming_the_valid_ones(capsys):
    from postureflow.cli import main

    assert main(["checks", "list", "--service", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert "unknown service(s) nosuch" in err and "known:" in err and "s3" in err
    assert main(["checks", "list", "--service", "s3,iam", "--json"]) == 0
    assert '"service": "iam"' in capsys.readouterr().out


@pytest.mark.parametrize(
    "account_regions, home",
    [(None, "us-east-1"), (("eu-west-1", "eu-central-1"), "eu-west-1"), (("eu-west-1", "us-east-1"), "us-east-1")],
)
def test_a_narrowed_run_keeps_the_accounts_home_region(account_regions, home):
    """A manual run of eu-central-1 only still files global services where the account's runs do."""

    class Enabled:
        def caller_account_id(self):
            return "123456789012"

        def enabled_regions(self):
            return ["us-east-1", "eu-west-1", "eu-central-1"]

    account = Account(alias="h", account_id="123456789012", aws_conn_id="unused", regions=account_regions)
    from unittest import mock

    with mock.patch("postureflow.runs.verify_connection"):
        plan = plan_run(account, Enabled(), {"regions": ["eu-central-1"]}, RunInfo("r", dt.date(2026, 10, 1), False))
    assert plan["regions"] == ["eu-central-1"] and plan["home_region"] == home
