//! OpenTelemetry traces, off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) names a collector.
//!
//! Each request is one server span, named by its route template (never the raw path, which
//! carries ids and tokens), with the HTTP semantic conventions' attributes, exported over
//! OTLP/HTTP (protobuf) in batches by the SDK's own thread. A W3C `traceparent` from the
//! caller makes the span a child of the caller's trace. Everything else is the SDK's standard
//! configuration: `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME` (default `lectern`),
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`.

use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Whether spans are exported: the per-request attributes are recorded only then.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Exports the spans still queued when dropped (at the end of `main`, outside the runtime).
#[derive(Debug)]
pub struct Exporting(SdkTracerProvider);

impl Drop for Exporting {
    fn drop(&mut self) {
        if let Err(err) = self.0.shutdown() {
            eprintln!("lectern: could not export the last traces: {err}");
        }
    }
}

/// The tracing layer that exports spans, if a collector is configured. Call before the
/// runtime starts: the exporter's HTTP client is a blocking one.
pub fn layer<S>() -> anyhow::Result<Option<(impl tracing_subscriber::Layer<S>, Exporting)>>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    let configured = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
        .iter()
        .any(|name| std::env::var(name).is_ok_and(|v| !v.trim().is_empty()));
    if !configured {
        return Ok(None);
    }
    let exporter = opentelemetry_otlp::SpanExporter::builder().with_http().build()?;
    let mut resource = Resource::builder();
    if std::env::var("OTEL_SERVICE_NAME").is_err() {
        resource = resource.with_service_name("lectern");
    }
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource.build())
        .build();
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let tracer = provider.tracer("lectern");
    ENABLED.store(true, Ordering::Relaxed);
    Ok(Some((tracing_opentelemetry::layer().with_tracer(tracer), Exporting(provider))))
}

/// Makes `span` (a request's) a server span in the caller's trace, if it sent one.
pub fn join_caller_trace(span: &tracing::Span, headers: &http::HeaderMap) {
    let extractor = opentelemetry_http::HeaderExtractor(headers);
    let caller = opentelemetry::global::get_text_map_propagator(|p| p.extract(&extractor));
    // Fails only if the span was already entered, which it is not yet.
    let _ = span.set_parent(caller);
}
