"""The data layer: canonical records, providers, the refresher and the snapshot store."""
