namespace Delivery.Formats.Parquet.Columns;

/// <summary>
/// One entry of one leaf column for one record: its levels and, when defined (<see cref="Definition"/> equals the
/// leaf's maximum), its value. Fixed-width values sit in <see cref="Bits"/> (floating point as raw bits); byte arrays in
/// the record's own JSON (<see cref="InRecord"/>: text without escapes is used where it is) or in its scratch bytes
/// (unescaped text, decoded values), at <see cref="Offset"/> / <see cref="Length"/>. A <see cref="Leaf"/> of -1 marks an
/// entry that no longer counts (what a key given twice held first).
/// </summary>
internal struct LeafValue
{
    public int Leaf;
    public byte Repetition;
    public byte Definition;
    public bool InRecord;
    public long Bits;
    public int Offset;
    public int Length;
}
