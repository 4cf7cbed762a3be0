namespace Delivery.Transforms;

/// <summary>What a transform did with a record: the <c>result</c> values of the Firehose contract.</summary>
public enum TransformResult
{
    /// <summary>Transformed; its data goes on to the destination.</summary>
    Ok,

    /// <summary>Dropped on purpose by the transform's logic. Not an error: the record is neither delivered nor backed up.</summary>
    Dropped,

    /// <summary>The transform could not process it; the original record goes to the backup bucket under <c>processing-failed</c>.</summary>
    ProcessingFailed,
}
