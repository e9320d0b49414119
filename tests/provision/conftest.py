"""What the tests of provision/ need of the local AWS beyond the harness's own
extensions: SQS's RedriveAllowPolicy (harness/moto_ext_sqs.py), which every
dead-letter queue `scribblectl up` makes carries. Installed before any test
starts a LocalAws; moto runs in this process."""

from harness import moto_ext_sqs

moto_ext_sqs.install()
