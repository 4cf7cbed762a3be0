using System.Globalization;

namespace Delivery.Formats.Parquet.Schema;

/// <summary>
/// Parses Glue/Hive type strings such as <c>decimal(10,2)</c> or <c>struct&lt;id:bigint,tags:array&lt;string&gt;&gt;</c>.
/// Names and keywords are case-insensitive and whitespace between tokens is ignored. A mistake throws
/// <see cref="FormatException"/> saying what was expected and at which character.
/// </summary>
public static class GlueTypeParser
{
    /// <summary>The deepest nesting accepted; Parquet levels are kept in one byte and real schemas are far shallower.</summary>
    public const int MaxDepth = 32;

    public static GlueType Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cursor = new Cursor(text);
        GlueType type = cursor.ParseType(0);
        cursor.SkipSpace();
        if (!cursor.AtEnd)
        {
            throw cursor.Error("end of the type");
        }

        return type;
    }

    private sealed class Cursor(string text)
    {
        private int _at;

        public bool AtEnd => _at >= text.Length;

        public GlueType ParseType(int depth)
        {
            if (depth > MaxDepth)
            {
                throw Error($"at most {MaxDepth} levels of nesting");
            }

            string word = Word("a type name");
            switch (word.ToLowerInvariant())
            {
                case "string":
                    return new GluePrimitive(GlueKind.String);
                case "char" or "varchar":
                    Expect('(');
                    Number();
                    Expect(')');
                    return new GluePrimitive(GlueKind.String);
                case "boolean":
                    return new GluePrimitive(GlueKind.Boolean);
                case "tinyint":
                    return new GluePrimitive(GlueKind.TinyInt);
                case "smallint":
                    return new GluePrimitive(GlueKind.SmallInt);
                case "int" or "integer":
                    return new GluePrimitive(GlueKind.Int);
                case "bigint":
                    return new GluePrimitive(GlueKind.BigInt);
                case "float":
                    return new GluePrimitive(GlueKind.Float);
                case "double":
                    return new GluePrimitive(GlueKind.Double);
                case "date":
                    return new GluePrimitive(GlueKind.Date);
                case "timestamp":
                    return new GluePrimitive(GlueKind.Timestamp);
                case "binary":
                    return new GluePrimitive(GlueKind.Binary);
                case "decimal":
                    return ParseDecimal();
                case "array":
                    Expect('<');
                    GlueType element = ParseType(depth + 1);
                    Expect('>');
                    return new GlueArray(element);
                case "map":
                    Expect('<');
                    int keyAt = _at;
                    GlueType key = ParseType(depth + 1);
                    if (key is not GluePrimitive primitiveKey)
                    {
                        _at = keyAt;
                        throw Error("a primitive map key type (struct, array and map keys are not supported)");
                    }

                    Expect(',');
                    GlueType value = ParseType(depth + 1);
                    Expect('>');
                    return new GlueMap(primitiveKey, value);
                case "struct":
                    return ParseStruct(depth);
                default:
                    throw new FormatException(
                        $"unknown type '{word}' in '{text}'; use string, boolean, tinyint, smallint, int, bigint, float, double, decimal(p,s), date, timestamp, binary, struct<...>, array<...> or map<...>.");
            }
        }

        private GluePrimitive ParseDecimal()
        {
            // Hive's bare "decimal" means decimal(10,0).
            if (!Peek('('))
            {
                return new GluePrimitive(GlueKind.Decimal, 10, 0);
            }

            Expect('(');
            int precision = Number();
            int scale = 0;
            if (Peek(','))
            {
                Expect(',');
                scale = Number();
            }

            Expect(')');
            if (precision is < 1 or > 38 || scale < 0 || scale > precision)
            {
                throw new FormatException($"decimal({precision},{scale}) in '{text}' is out of range: precision 1-38 and scale 0 to precision.");
            }

            return new GluePrimitive(GlueKind.Decimal, precision, scale);
        }

        private GlueStruct ParseStruct(int depth)
        {
            Expect('<');
            var fields = new List<GlueField>();
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            do
            {
                SkipSpace();
                int nameAt = _at;
                string name = FieldName();
                if (!names.Add(name))
                {
                    _at = nameAt;
                    throw Error($"a field name not used before in this struct (found '{name}' twice)");
                }

                Expect(':');
                fields.Add(new GlueField(name, ParseType(depth + 1)));
            }
            while (TryConsume(','));

            Expect('>');
            return new GlueStruct(fields);
        }

        private string FieldName()
        {
            // Backquoted names may hold any character but the backquote; plain ones are identifiers.
            if (TryConsume('`'))
            {
                int end = text.IndexOf('`', _at);
                if (end < 0 || end == _at)
                {
                    throw Error("a closing '`' after a non-empty field name");
                }

                string quoted = text[_at..end];
                _at = end + 1;
                return quoted;
            }

            return Word("a field name");
        }

        private string Word(string what)
        {
            SkipSpace();
            int start = _at;
            while (_at < text.Length && (char.IsLetterOrDigit(text[_at]) || text[_at] is '_' or '$' or '-'))
            {
                _at++;
            }

            if (_at == start)
            {
                throw Error(what);
            }

            return text[start.._at];
        }

        private int Number()
        {
            SkipSpace();
            int start = _at;
            while (_at < text.Length && char.IsAsciiDigit(text[_at]))
            {
                _at++;
            }

            if (_at == start || !int.TryParse(text.AsSpan(start, _at - start), NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            {
                throw Error("a number");
            }

            return value;
        }

        private void Expect(char expected)
        {
            if (!TryConsume(expected))
            {
                throw Error($"'{expected}'");
            }
        }

        private bool TryConsume(char expected)
        {
            SkipSpace();
            if (_at < text.Length && text[_at] == expected)
            {
                _at++;
                return true;
            }

            return false;
        }

        private bool Peek(char expected)
        {
            SkipSpace();
            return _at < text.Length && text[_at] == expected;
        }

        public void SkipSpace()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at]))
            {
                _at++;
            }
        }

        public FormatException Error(string expected) =>
            new($"expected {expected} at character {_at + 1} of '{text}'{(AtEnd ? " (the text ended)" : $", found '{text[_at]}'")}.");
    }
}
