namespace Delivery.Benchmarks.EndToEnd.Transforms;

/// <summary>What runs between the buffer and the S3 writer in a scenario.</summary>
public enum PipelineTransform
{
    /// <summary>Nothing: batches go straight to the writer.</summary>
    None,

    /// <summary>An in-process plugin stage running <see cref="AddFieldTransform"/>.</summary>
    Plugin,

    /// <summary>An HTTP transform stage POSTing to <see cref="TransformReceiver"/> on 127.0.0.1.</summary>
    Http,

    /// <summary>A metadata-extraction query and dynamic partitioning on its keys (<see cref="TransformSetup.PartitionQuery"/>).</summary>
    Partitioning,
}
