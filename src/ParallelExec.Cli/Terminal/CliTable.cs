using Spectre.Console;

namespace ParallelExec.Cli.Terminal;

/// <summary>
/// The CLI's tables: compact (no rules, two spaces between columns) so that every table fits 80
/// columns; cells never wrap, so a number is never broken across lines.
/// </summary>
internal static class CliTable
{
    /// <summary>A table with a title (none when empty) and columns (header, right-aligned: numbers).</summary>
    public static Table Create(string title, params (string Header, bool Right)[] columns)
    {
        var table = new Table().Border(TableBorder.None);
        if (title.Length > 0) table.Title(title);
        for (int c = 0; c < columns.Length; c++)
        {
            var (header, right) = columns[c];
            var column = new TableColumn(header).NoWrap().PadLeft(0).PadRight(c == columns.Length - 1 ? 0 : 2);
            table.AddColumn(right ? column.RightAligned() : column);
        }
        return table;
    }
}
