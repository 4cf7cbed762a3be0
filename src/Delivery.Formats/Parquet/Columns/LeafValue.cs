namespace Delivery.Formats.Parquet.Columns;

/// <summary>
/// One entry of one leaf column for one record: its levels and, when defined (<see cref="Definition"/> equals the
/// leaf's maximum), its value. Fixed-width values sit in <see cref="Bits"/> (floating point as raw bits); byte arrays in
/// the record's scratch bytes at <see cref="Offset"/> / <see cref="Length"/>.
/// </summary>
internal struct LeafValue
{
    public int Leaf;
    public byte Repetition;
    public byte Definition;
    public long Bits;
    public int Offset;
    public int Length;
}
