@case_cancel @assumed @source:decided @req:ORDER
Feature: With several faults at once, the earliest check answers

  The vendor gives no precedence between the codes of case_cancel. This project checks in the order of
  the vendor's table after the parameter checks: 1003, 1004, 1010, then 1000, 1087, 1099, 1149, 1152,
  1153. Each scenario breaks two conditions at once and expects the earlier code.

  Scenario Outline: Parameter faults come first (<first> before <second>, <encoding>)
    Given port 7 is an AC port, OPEN, with bin 5001 selected and its case ERSO in error
    When the WMS sends case_cancel in <encoding> with port_id <port_id> and bin_id <bin_id>
    Then the controller answers with fault <first>
    And port 7 is unchanged

    @xml
    Examples: XML
      | first | second | port_id | bin_id  | encoding |
      | 1003  | 1010   | missing | 0       | XML      |
      | 1003  | 1010   | missing | missing | XML      |
      | 1004  | 1010   | 0       | 0       | XML      |
      | 1004  | 1010   | 2001    | 4000001 | XML      |
      | 1004  | 1010   | 2001    | missing | XML      |

    @json
    Examples: JSON
      | first | second | port_id | bin_id  | encoding |
      | 1003  | 1010   | missing | 0       | JSON     |
      | 1003  | 1010   | missing | missing | JSON     |
      | 1004  | 1010   | 0       | 0       | JSON     |
      | 1004  | 1010   | 2001    | 4000001 | JSON     |
      | 1004  | 1010   | 2001    | missing | JSON     |

  Scenario Outline: A bin_id fault comes before anything about the port (1010 before <second>, <encoding>)
    Given port 7 is a <type> port, <mode>, with <selection> and its case <case_state> <case_error>
    When the WMS sends case_cancel in <encoding> with port_id 7 and bin_id 0
    Then the controller answers with fault 1010
    And port 7 is unchanged

    @xml
    Examples: XML
      | second | type | mode   | selection         | case_state | case_error    | encoding |
      | 1087   | CO   | OPEN   | bin 5001 selected | ERSO       | in error      | XML      |
      | 1099   | AC   | CLOSED | bin 5001 selected | ERSO       | in error      | XML      |
      | 1149   | AC   | OPEN   | no bin selected   | ERSO       | in error      | XML      |
      | 1152   | AC   | OPEN   | bin 5001 selected | NOOP       | without error | XML      |

    @json
    Examples: JSON
      | second | type | mode   | selection         | case_state | case_error    | encoding |
      | 1087   | CO   | OPEN   | bin 5001 selected | ERSO       | in error      | JSON     |
      | 1099   | AC   | CLOSED | bin 5001 selected | ERSO       | in error      | JSON     |
      | 1149   | AC   | OPEN   | no bin selected   | ERSO       | in error      | JSON     |
      | 1152   | AC   | OPEN   | bin 5001 selected | NOOP       | without error | JSON     |

  Scenario Outline: A bin_id fault comes before a port that does not exist (<encoding>)
    Given port 7 does not exist
    When the WMS sends case_cancel in <encoding> with port_id 7 and bin_id 4000001
    Then the controller answers with fault 1010
    And port 7 still does not exist

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  Scenario Outline: The port's faults answer in the vendor's order (<first> before <second>, <encoding>)
    Given port 7 is a <type> port, <mode>, with <selection> and its case <case_state> <case_error>
    When the WMS cancels the case operation of bin 5001 on port 7 in <encoding>
    Then the controller answers with fault <first>
    And port 7 is unchanged

    @xml
    Examples: XML
      | first | second | type | mode     | selection         | case_state | case_error    | encoding |
      | 1087  | 1099   | CO   | CLOSED   | bin 5001 selected | ERSO       | in error      | XML      |
      | 1087  | 1149   | VE   | OPEN     | bin 6001 selected | ERSO       | in error      | XML      |
      | 1087  | 1152   | CA   | OPEN     | bin 5001 selected | NOOP       | without error | XML      |
      | 1087  | 1153   | SW   | OPEN     | bin 5001 selected | IRTR       | without error | XML      |
      | 1099  | 1149   | AC   | CLOSED   | bin 6001 selected | ERSO       | in error      | XML      |
      | 1099  | 1149   | AC   | DISABLED | no bin selected   | ERSO       | in error      | XML      |
      | 1099  | 1152   | AC   | AUTO     | bin 5001 selected | NOOP       | without error | XML      |
      | 1099  | 1153   | AC   | INSERT   | bin 5001 selected | ICIN       | without error | XML      |
      | 1149  | 1152   | AC   | OPEN     | bin 6001 selected | NOOP       | without error | XML      |
      | 1149  | 1153   | AC   | OPEN     | bin 6001 selected | EREQ       | without error | XML      |
      | 1149  | 1152   | AC   | OPEN     | no bin selected   | ECMP       | in error      | XML      |

    @json
    Examples: JSON
      | first | second | type | mode     | selection         | case_state | case_error    | encoding |
      | 1087  | 1099   | CO   | CLOSED   | bin 5001 selected | ERSO       | in error      | JSON     |
      | 1087  | 1149   | VE   | OPEN     | bin 6001 selected | ERSO       | in error      | JSON     |
      | 1087  | 1152   | CA   | OPEN     | bin 5001 selected | NOOP       | without error | JSON     |
      | 1087  | 1153   | SW   | OPEN     | bin 5001 selected | IRTR       | without error | JSON     |
      | 1099  | 1149   | AC   | CLOSED   | bin 6001 selected | ERSO       | in error      | JSON     |
      | 1099  | 1149   | AC   | DISABLED | no bin selected   | ERSO       | in error      | JSON     |
      | 1099  | 1152   | AC   | AUTO     | bin 5001 selected | NOOP       | without error | JSON     |
      | 1099  | 1153   | AC   | INSERT   | bin 5001 selected | ICIN       | without error | JSON     |
      | 1149  | 1152   | AC   | OPEN     | bin 6001 selected | NOOP       | without error | JSON     |
      | 1149  | 1153   | AC   | OPEN     | bin 6001 selected | EREQ       | without error | JSON     |
      | 1149  | 1152   | AC   | OPEN     | no bin selected   | ECMP       | in error      | JSON     |

  Scenario Outline: No active operation comes before no error (1152 before 1153, <encoding>)
    Given port 7 is an AC port, OPEN, with bin 5001 selected and its case ICMP without error
    When the WMS cancels the case operation of bin 5001 on port 7 in <encoding>
    Then the controller answers with fault 1152
    And port 7 is unchanged

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |
