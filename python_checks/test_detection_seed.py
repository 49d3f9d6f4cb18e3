"""The shipped metrics seed is exactly what its generator writes."""
import subprocess
import sys

from conftest import PROJECT_DIR

SEED = PROJECT_DIR / "seeds" / "service_metrics_hourly.csv"
GENERATOR = PROJECT_DIR / "scripts" / "generate_service_metrics.py"


def test_generator_reproduces_the_committed_seed_byte_for_byte(tmp_path):
    output = tmp_path / "service_metrics_hourly.csv"
    subprocess.run([sys.executable, str(GENERATOR), str(output)], check=True, capture_output=True)
    assert output.read_bytes() == SEED.read_bytes()


def test_seed_holds_fourteen_days_of_seven_metrics():
    lines = SEED.read_text().splitlines()
    assert lines[0] == "service_name,metric_name,observed_at,value"
    assert len(lines) - 1 == 14 * 24 * 7
    assert lines[1].startswith("ranking-service,qps,2023-11-17 00:00:00,")
