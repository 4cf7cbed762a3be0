using System.Runtime.InteropServices;
using Delivery.Transforms.Contract;

namespace Delivery.Transforms.Processing;

/// <summary>
/// The chain's record lists read as spans: a loop over a whole batch through <see cref="IReadOnlyList{T}"/> costs an
/// interface call or two per record (an enumerator over the invocations' outputs measured 4 % of the plugin 100 B
/// pipeline's CPU), where every list the chain makes is an array underneath.
/// </summary>
internal static class ChainRecordLists
{
    /// <summary>The lists <paramref name="records"/> reads through, in order: the outputs of a stage's invocations, or itself.</summary>
    public static IReadOnlyList<IReadOnlyList<ChainRecord>> Parts(IReadOnlyList<ChainRecord> records) =>
        records is ConcatenatedRecords concatenated ? concatenated.Parts : [records];

    /// <summary>The records of <paramref name="part"/> (one of <see cref="Parts"/>) as a span; a copy for a list of another kind.</summary>
    public static ReadOnlySpan<ChainRecord> Span(IReadOnlyList<ChainRecord> part) => part switch
    {
        ChainRecord[] array => array,
        List<ChainRecord> list => CollectionsMarshal.AsSpan(list),
        RentedRecords<ChainRecord> rented => rented.AsSpan(),
        RecordRange range when range.Source is not RecordRange and not ConcatenatedRecords => Span(range.Source).Slice(range.Start, range.Count),
        _ => part.ToArray(),
    };
}
