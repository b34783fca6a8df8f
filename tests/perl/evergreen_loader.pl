#!/usr/bin/perl
# Reads a patron file the way Evergreen's stock patron_loader.pl does (Text::CSV with sep_char only, no
# binary; \r removed; a line that does not parse is skipped without a word; headers matched without case;
# values trimmed), and applies the checks it makes before its INSERT into actor.usr: cardnumber and usrname,
# family_name and first_given_name present; an empty date column fails the row, as PostgreSQL refuses ''.
# Prints "loaded N skipped M unparsed U", then a line per row not loaded.
use strict;
use warnings;
use Text::CSV;
use List::Util qw(first);

my ($file) = @ARGV;
my @known = qw(cardnumber profile usrname passwd net_access_level family_name first_given_name second_given_name
  pref_first_given_name name_keywords email home_library day_phone evening_phone other_phone dob ident_type ident_value
  active barred juvenile expire_date photo_url guardian add1_street1 add1_street2 add1_city add1_county add1_state
  add1_country add1_post_code add2_street1 add2_street2 add2_city add2_county add2_state add2_country add2_post_code
  statcat_name1 statcat_value1 statcat_name2 statcat_value2 statcat_name3 statcat_value3);
my $csv = Text::CSV->new({ sep_char => ',' });
open(my $fh, '<', $file) or die "cannot open $file";
my ($i, $loaded, $skipped, $unparsed, %pos, @why) = (0, 0, 0, 0);
while (my $line = <$fh>) {
    $line =~ s/\r//g;
    if (!$csv->parse($line)) { $unparsed++; push @why, "line $.: does not parse"; next; }
    $i++;
    my @fields = map { s/^\s+|\s+$//gr } $csv->fields();
    if ($i == 1) {
        for my $col (@known) { my $p = first { lc($fields[$_]) eq lc($col) } 0 .. $#fields; $pos{$col} = $p if defined $p; }
        die "required column(s) are missing" unless defined $pos{cardnumber} && defined $pos{usrname};
        next;
    }
    my %v = map { $_ => $fields[$pos{$_}] } keys %pos;
    my @problems;
    push @problems, "cardnumber and/or usrname is null" unless length($v{cardnumber} // '') && length($v{usrname} // '');
    push @problems, "family_name and/or first_given_name is null" unless length($v{family_name} // '') && length($v{first_given_name} // '');
    push @problems, "no profile or home library" unless length($v{profile} // '') && length($v{home_library} // '');
    for my $date (qw(dob expire_date)) {
        next unless exists $v{$date};
        push @problems, "empty $date bound into a date column" unless length $v{$date};
        push @problems, "bad $date" if length $v{$date} && $v{$date} !~ /^\d{4}[-\/]\d{2}[-\/]\d{2}$/;
    }
    for my $bool (qw(active barred juvenile)) {
        push @problems, "bad $bool" if exists $v{$bool} && $v{$bool} !~ /^(t|f|true|false)$/i;
    }
    if (@problems) { $skipped++; push @why, "line $.: @problems"; } else { $loaded++; }
}
print "loaded $loaded skipped $skipped unparsed $unparsed\n", map { "$_\n" } @why;
