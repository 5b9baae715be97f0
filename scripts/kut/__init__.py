"""kvm-unit-tests under the hypervisor (scripts/kvm-unit-tests, docs/kvm-unit-tests.md)."""
