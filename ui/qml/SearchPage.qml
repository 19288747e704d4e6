import QtQuick

// Search: type to find titles; Down goes to the results, Up from the first row back to typing.
FocusScope {
    id: page
    signal openTitle(string titleId)
    signal leave()

    function reset() {
        field.text = ""
        field.forceActiveFocus()
    }

    Rectangle { anchors.fill: parent; color: Theme.background }

    Column {
        id: header
        anchors { left: parent.left; right: parent.right; top: parent.top
                  leftMargin: Theme.margin; rightMargin: Theme.margin; topMargin: Theme.px(56) }
        spacing: Theme.px(24)
        Label {
            text: "Search"
            size: Theme.fontTitle
            font.weight: Font.Bold
        }
        Rectangle {
            id: box
            width: Math.min(parent.width, Theme.px(880))
            height: Theme.px(68)
            radius: Theme.radius
            color: Theme.surface
            border.color: field.activeFocus ? Theme.focusRing : Theme.line
            border.width: field.activeFocus ? Theme.focusWidth : Math.max(1, Theme.px(1))
            Icon {
                id: glass
                name: "search"
                color: Theme.textDim
                width: Theme.px(26); height: width
                anchors { left: parent.left; leftMargin: Theme.px(22); verticalCenter: parent.verticalCenter }
            }
            TextInput {
                id: field
                objectName: "searchField"
                anchors { left: glass.right; leftMargin: Theme.px(16); right: parent.right
                          rightMargin: Theme.px(22); verticalCenter: parent.verticalCenter }
                focus: true
                color: Theme.text
                selectionColor: Theme.accent
                selectedTextColor: Theme.accentText
                font.family: Theme.fontFamily
                font.pixelSize: Theme.fontHeading
                clip: true
                onTextEdited: debounce.restart()
                KeyNavigation.down: grid
                Keys.onReturnPressed: { debounce.stop(); browse.search(text); if (grid.count > 0) grid.forceActiveFocus() }
                Keys.onEnterPressed: { debounce.stop(); browse.search(text); if (grid.count > 0) grid.forceActiveFocus() }
                Keys.onPressed: function (event) {
                    if (event.key === Qt.Key_Backspace && text === "") { page.leave(); event.accepted = true }
                }
                Label {
                    anchors.fill: parent
                    verticalAlignment: Text.AlignVCenter
                    visible: field.text === ""
                    text: "Titles, genres, years"
                    size: Theme.fontHeading
                    color: Theme.textFaint
                }
            }
            Timer { id: debounce; interval: 220; onTriggered: browse.search(field.text) }
        }
        Label {
            text: {
                if (browse.searchState === "error") return browse.searchError
                if (browse.searchState === "ready" && browse.results.length === 0)
                    return "Nothing matches “" + browse.query + "”."
                if (browse.searchState === "ready")
                    return browse.results.length + (browse.results.length === 1 ? " title" : " titles")
                return " "
            }
            size: Theme.fontSmall
            color: browse.searchState === "error" ? Theme.danger : Theme.textDim
        }
    }

    GridView {
        id: grid
        objectName: "resultsGrid"
        anchors { left: parent.left; right: parent.right; top: header.bottom; bottom: parent.bottom
                  topMargin: Theme.px(8); leftMargin: Theme.margin - Theme.px(10) }
        clip: true
        model: browse.results
        cellWidth: Theme.posterWidth + Theme.px(24)
        cellHeight: Theme.posterHeight + Theme.px(32)
        topMargin: Theme.px(14)
        keyNavigationEnabled: true
        highlightRangeMode: GridView.ApplyRange
        preferredHighlightBegin: Theme.px(14)
        preferredHighlightEnd: height - Theme.px(14)
        highlightMoveDuration: Theme.normal
        boundsBehavior: Flickable.StopAtBounds
        delegate: Item {
            id: cell
            required property var modelData
            required property int index
            readonly property bool current: GridView.isCurrentItem  // attached to the delegate root only
            width: grid.cellWidth
            height: grid.cellHeight
            PosterCard {
                anchors.centerIn: parent
                item: cell.modelData
                focused: cell.current && grid.activeFocus
                onActivated: { grid.currentIndex = cell.index; page.openTitle(cell.modelData.id) }
            }
        }
        Keys.onUpPressed: {
            var perRow = Math.max(1, Math.floor(width / cellWidth))
            if (currentIndex < perRow) field.forceActiveFocus()
            else moveCurrentIndexUp()
        }
        Keys.onReturnPressed: if (currentIndex >= 0) page.openTitle(browse.results[currentIndex].id)
        Keys.onEnterPressed: if (currentIndex >= 0) page.openTitle(browse.results[currentIndex].id)
    }
    Spinner {
        anchors.centerIn: grid
        visible: browse.searchState === "loading" && grid.count === 0
    }
}
