"""The shipped metrics seeds are exactly what their generators write."""
import subprocess
import sys

import pytest

from conftest import PROJECT_DIR

SEED = PROJECT_DIR / "seeds" / "service_metrics_hourly.csv"
GENERATORS = {  # seed file: the script that writes it
    "service_metrics_hourly.csv": "generate_service_metrics.py",
    "service_metrics.csv": "generate_service_metrics_sample.py",
}


@pytest.mark.parametrize("seed", sorted(GENERATORS))
def test_generator_reproduces_the_committed_seed_byte_for_byte(seed, tmp_path):
    output = tmp_path / seed
    subprocess.run([sys.executable, str(PROJECT_DIR / "scripts" / GENERATORS[seed]), str(output)], check=True, capture_output=True)
    assert output.read_bytes() == (PROJECT_DIR / "seeds" / seed).read_bytes()


def test_seed_holds_fourteen_days_of_seven_metrics():
    lines = SEED.read_text().splitlines()
    assert lines[0] == "service_name,metric_name,observed_at,value"
    assert len(lines) - 1 == 14 * 24 * 7
    assert lines[1].startswith("ranking-service,qps,2023-11-17 00:00:00,")
