#!/usr/bin/perl
# Reads a patron file the way Koha's Koha/Patrons/Import.pm does (Text::CSV with binary => 1, a line at a
# time, header spaces and BOM stripped, every header a borrowers column or patron_attributes), and applies
# the checks it makes before storing a row. Prints "loaded N refused M", then one line per refused row.
# Usage: koha_import.pl FILE ATTRIBUTE_CODES (comma-separated; "" when Koha has none defined)
use strict;
use warnings;
use Text::CSV;

my ($file, $codes) = @ARGV;
my %declared = map { $_ => 1 } grep { length } split /,/, ($codes // '');
# The borrowers columns a school patron file may use (installer/data/mysql/kohastructure.sql), with sizes.
my %size = (cardnumber => 32, surname => 0, firstname => 0, middle_name => 0, othernames => 0, branchcode => 10,
            categorycode => 10, dateofbirth => 0, email => 0, dateenrolled => 0, dateexpiry => 0, userid => 75,
            password => 60, sort1 => 80, sort2 => 80, patron_attributes => 0);
my $csv = Text::CSV->new({ binary => 1 });
open(my $handle, '<', $file) or die "cannot open $file";
my $header = <$handle>;
$csv->parse($header) or die "header does not parse";
my @columns = map { (my $c = $_) =~ s/ +//g; $c =~ s/^\x{FEFF}|^\xEF\xBB\xBF//; $c } $csv->fields();
for my $c (@columns) { die "unknown column $c" unless exists $size{$c}; }
die "no surname column" unless grep { $_ eq 'surname' } @columns;
my ($loaded, $refused, @why) = (0, 0);
while (my $line = <$handle>) {
    my @problems;
    if (!$csv->parse($line)) { push @problems, "badparse"; }
    my @fields = $csv->fields();
    my %row; @row{@columns} = @fields;
    if (!@problems) {
        push @problems, "columns" if @fields != @columns;
        for my $critical (qw(surname branchcode categorycode)) { push @problems, "missing $critical" unless ($row{$critical} // '') =~ /\S/; }
        for my $date (qw(dateofbirth dateenrolled dateexpiry)) {
            my $v = $row{$date} // '';
            push @problems, "bad_date $date" if length $v && $v !~ /^\d{4}-\d{2}-\d{2}$/;
        }
        for my $c (@columns) { push @problems, "too long $c" if $size{$c} && length($row{$c} // '') > $size{$c}; }
        if (defined $row{patron_attributes} && length $row{patron_attributes}) {
            my $inner = Text::CSV->new({ binary => 1 });
            if (!$inner->parse($row{patron_attributes})) { push @problems, "attributes do not parse"; }
            for my $item ($inner->fields()) {
                my ($code) = split /:/, $item, 2;
                push @problems, "patron_attribute_invalid_type $code" unless $declared{$code};
            }
        }
    }
    if (@problems) { $refused++; push @why, "line $.: @problems"; } else { $loaded++; }
}
print "loaded $loaded refused $refused\n", map { "$_\n" } @why;
